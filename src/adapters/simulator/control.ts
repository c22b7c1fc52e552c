import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendError, sendJson } from "./http.js";
import { parseScenarioPatch } from "./scenario.js";
import type { SimState } from "./state.js";

/** Path prefix of the control endpoints; only the simulator serves it. */
export const CONTROL_PREFIX = "/__sim/";

/**
 * Lets a test in another process drive the simulator:
 * GET /__sim/state → {scenario, counters}; POST /__sim/scenario (JSON patch);
 * POST /__sim/reset (counters and 2FA lockout). Each answers the new state.
 */
export async function handleControl(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  if (route === "POST /__sim/scenario") {
    let patch;
    try {
      patch = parseScenarioPatch(JSON.parse((await readBody(req)) || "null"));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return sendError(res, 400, "InputException", `Bad scenario patch: ${message}`);
    }
    state.setScenario(patch);
  } else if (route === "POST /__sim/reset") {
    state.resetCounters();
  } else if (route !== "GET /__sim/state") {
    return sendError(res, 404, "GeneralException", "Route not found");
  }
  sendJson(res, 200, { scenario: state.scenario, counters: { ...state.counters } });
}
