/**
 * A parent of a login host, in its own process, for tests that kill it: starts a
 * simulator and a hosted browser login whose second factor never gets the parent's
 * go-ahead, and prints `{"hostPid":…}` once the login is waiting there (mid-login).
 * `host-parent.js --parent`.
 */
import { BrowserHost } from "../../src/adapters/login/host/client.js";
import { HostedBrowserLogin } from "../../src/adapters/login/host/hosted.js";
import { buildLoginUrl } from "../../src/adapters/login/types.js";
import { startSimulator } from "../../src/adapters/simulator/index.js";
import { fastClock } from "./setup.js";

// `node --test` may load every file here: only run when started as the parent.
if (process.argv[2] !== "--parent") process.exit(0);

const sim = await startSimulator();
const host = new BrowserHost({ idleMs: 60_000 });
const login = new HostedBrowserLogin({
  host,
  browserPath: process.env["BROWSER_PATH"],
  noSandbox: undefined,
});
await login.login(
  {
    loginUrl: buildLoginUrl(sim.loginUrl, sim.app.apiKey),
    userId: sim.account.userId,
    password: sim.account.password,
    totpSecret: sim.account.totpSecret,
    redirectUrl: sim.app.redirectUrl,
  },
  {
    clock: fastClock(),
    timeouts: { stepMs: 30_000, redirectMs: 30_000 },
    maxTotpSubmissions: 2,
    beforeSecondFactor: () => {
      process.stdout.write(`${JSON.stringify({ hostPid: host.pid })}\n`);
      return new Promise<void>(() => undefined);
    },
  },
);
