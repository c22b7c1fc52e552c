import { KiteTokenError } from "../../core/errors.js";
import { SecretRedactor } from "../../core/redact.js";
import { Output } from "../output.js";

export interface SimulatorCommandOptions {
  host: string;
  loginPort: number;
  apiPort: number;
  redirectUrl: string;
  twofa: "totp" | "pin" | "number" | "userid";
  autoSubmit?: boolean;
  firstUse?: boolean;
  appCode?: boolean;
  blocked?: boolean;
  rejectTotp?: boolean;
}

/** Where kite-token keeps what it does against the simulator: apart from a real account's files. */
const SIMULATOR_FILES = {
  TOKEN_FILE: "data/simulator/token.json",
  STATE_FILE: "data/simulator/state.json",
};

/**
 * Serves the Kite simulator until interrupted, and prints the settings that point at it:
 * with its fixed ports and redirect URL, a `.env` written from them keeps working after
 * a restart.
 */
export async function simulatorCommand(options: SimulatorCommandOptions): Promise<number> {
  const { startSimulator, simulatorSettings } = await import("../../adapters/simulator/index.js");
  const out = new Output(new SecretRedactor());
  if (!/^https?:\/\/[^/]/i.test(options.redirectUrl) || !URL.canParse(options.redirectUrl)) {
    throw new KiteTokenError(
      "USAGE",
      `--redirect-url ${options.redirectUrl} is not an http(s) URL.`,
    );
  }
  const sim = await startSimulator({
    host: options.host,
    loginPort: options.loginPort,
    apiPort: options.apiPort,
    app: { redirectUrl: options.redirectUrl },
    scenario: {
      twofaVariant: options.twofa,
      autoSubmit: Boolean(options.autoSubmit),
      firstUse: Boolean(options.firstUse),
      appCode: Boolean(options.appCode),
      blocked: Boolean(options.blocked),
      rejectTotp: Boolean(options.rejectTotp),
    },
  });
  out.line(`Kite simulator: login ${sim.loginOrigin}, API ${sim.apiRoot}`);
  out.line(
    "Point kite-token at it with these settings (public demo credentials; its own token and state files, never a real account's):",
  );
  const settings = { ...simulatorSettings(sim), ...SIMULATOR_FILES };
  for (const [name, value] of Object.entries(settings)) out.line(`  ${name}=${value}`);
  out.line(`State and counters: GET ${sim.loginOrigin}/__sim/state. Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await sim.close();
  return 0;
}
