/** The Kite simulator: Kite's login pages and API, served on loopback for tests and demos. */
export type {
  AutoSubmitOn,
  Scenario,
  LoginActivity,
  SimAccount,
  SimApp,
  SimCounters,
  SimFailure,
  Simulator,
  SimulatorOptions,
  TwofaVariant,
} from "./types.js";
export { DEMO_ACCOUNT, DEMO_APP, defaultScenario } from "./scenario.js";
export { MESSAGES } from "./messages.js";
export { checksumOf, MAX_TWOFA_FAILURES } from "./state.js";
export { buildRedirectLocation } from "./login-origin.js";
export { findUnusedPort, startSimulator } from "./simulator.js";
export { simulatorSettings } from "./settings.js";
