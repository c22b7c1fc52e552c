import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { listenFailure } from "../../core/errors.js";
import { createApiOriginHandler } from "./api-origin.js";
import { CONTROL_PREFIX, handleControl } from "./control.js";
import { BodyTooLarge, sendError } from "./http.js";
import { createLoginOriginHandler } from "./login-origin.js";
import { DEMO_ACCOUNT, DEMO_APP, parseScenarioPatch } from "./scenario.js";
import { SimState } from "./state.js";
import type { Scenario, SimApp, Simulator, SimulatorOptions } from "./types.js";

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** Every reply's `Date` header follows the simulator's clock, as Kite's follows its own. */
function serve(handler: Handler, now: () => number): Server {
  return createServer((req, res) => {
    res.setHeader("Date", new Date(now()).toUTCString());
    const url = new URL(req.url ?? "/", "http://simulator.invalid");
    handler(req, res, url).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BodyTooLarge) {
        sendError(res, 413, "InputException", "Request body too large");
      } else {
        sendError(res, 500, "GeneralException", "Simulator error");
      }
    });
  });
}

function listen(server: Server, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error) => reject(listenFailure(error, what, host, port)));
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A port that was free a moment ago and that nothing listens on now. */
export function findUnusedPort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function origin(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Starts the Kite simulator: a login origin and an API origin, both on loopback. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? "127.0.0.1";
  const account = { ...DEMO_ACCOUNT, ...options.account };
  const redirectUrl =
    options.app?.redirectUrl ?? `http://127.0.0.1:${await findUnusedPort()}/kite/callback`;
  const app: SimApp = { ...DEMO_APP, ...options.app, redirectUrl };
  const state = new SimState(
    account,
    app,
    parseScenarioPatch(stripUndefined(options.scenario ?? {})),
    options.now ?? Date.now,
    options.onLoginActivity,
  );
  const controlEnabled = options.controlEndpoints ?? true;
  const loginHandler = createLoginOriginHandler(state);
  const loginServer = serve(async (req, res, url) => {
    if (controlEnabled && url.pathname.startsWith(CONTROL_PREFIX)) {
      return handleControl(state, req, res, url);
    }
    return loginHandler(req, res, url);
  }, state.now);
  const apiServer = serve(createApiOriginHandler(state), state.now);
  let loginPort: number;
  let apiPort: number;
  try {
    loginPort = await listen(loginServer, host, options.loginPort ?? 0, "simulator's login origin");
    apiPort = await listen(apiServer, host, options.apiPort ?? 0, "simulator's API origin");
  } catch (error) {
    await Promise.all([closeServer(loginServer), closeServer(apiServer)]);
    throw error;
  }
  const loginOrigin = origin(host, loginPort);
  let closing: Promise<void> | undefined;
  return {
    loginOrigin,
    apiRoot: origin(host, apiPort),
    loginUrl: `${loginOrigin}/connect/login`,
    account: Object.freeze({ ...account }),
    app: Object.freeze({ ...app }),
    get scenario() {
      return state.scenario;
    },
    get counters() {
      return { ...state.counters };
    },
    setScenario(patch: Partial<Scenario>) {
      state.setScenario(parseScenarioPatch(stripUndefined(patch)));
    },
    resetCounters: () => state.resetCounters(),
    holdLogins() {
      let release = (): void => undefined;
      const hold = new Promise<void>((resolve) => (release = resolve));
      state.loginHold = hold;
      return {
        release: () => {
          if (state.loginHold === hold) state.loginHold = undefined;
          release();
        },
      };
    },
    expireAccessTokens: () => state.expireAccessTokens(),
    isAccessTokenValid: (token: string) => state.isAccessTokenValid(token),
    close() {
      closing ??= Promise.all([closeServer(loginServer), closeServer(apiServer)]).then(() => {});
      return closing;
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
