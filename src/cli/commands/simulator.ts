import { SecretRedactor } from "../../redact.js";
import { Output } from "../output.js";

export interface SimulatorCommandOptions {
  host: string;
  loginPort: number;
  apiPort: number;
  twofa: "totp" | "pin" | "number" | "userid";
  autoSubmit?: boolean;
  firstUse?: boolean;
  appCode?: boolean;
  blocked?: boolean;
  rejectTotp?: boolean;
}

/** Serves the Kite simulator until interrupted, and prints the settings that point at it. */
export async function simulatorCommand(options: SimulatorCommandOptions): Promise<number> {
  const { startSimulator, simulatorSettings } = await import("../../simulator/index.js");
  const out = new Output(new SecretRedactor());
  const sim = await startSimulator({
    host: options.host,
    loginPort: options.loginPort,
    apiPort: options.apiPort,
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
  out.line("Point kite-token at it with these settings (public demo credentials):");
  for (const [name, value] of Object.entries(simulatorSettings(sim)))
    out.line(`  ${name}=${value}`);
  out.line(`State and counters: GET ${sim.loginOrigin}/__sim/state. Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await sim.close();
  return 0;
}
