import { expect } from "expect";
import { refresh, type RefreshDeps } from "../../src/pipeline/refresh.js";
import type { SimulatorFixture } from "./fixture.js";

/** A KITE_REDIRECT_URL that is not the app's: the simulator redirects to its own. */
export const OTHER_REDIRECT_URL = "http://127.0.0.1:8079/auth/callback?from=settings";

/**
 * Logs in with a KITE_REDIRECT_URL other than the app's registered one: the token is
 * caught all the same (the redirect host never reached), saved, and the run warns with
 * both addresses (origin and path), never the token.
 */
export async function expectRedirectMismatchCaught(
  fx: SimulatorFixture,
  deps: RefreshDeps,
): Promise<void> {
  const report = await refresh({ ...deps, redirectUrl: OTHER_REDIRECT_URL }, { force: true });
  if (!report.ok) throw report.error;
  const expected = `Kite redirected to ${fx.host.url}, but KITE_REDIRECT_URL is http://127.0.0.1:8079/auth/callback; update it`;
  expect(report.outcome.warnings).toEqual([expect.stringContaining(expected)]);
  expect(report.run.warnings).toEqual(report.outcome.warnings);
  const history = await deps.history.read();
  expect(history.runs.at(-1)?.warnings).toEqual(report.outcome.warnings);
  expect(fx.sim.isAccessTokenValid(report.outcome.record.access_token)).toBe(true);
  expect(fx.sim.counters.redirectsIssued).toBe(1);
  expect(fx.host.hits).toEqual([]);
  expect(JSON.stringify(report.outcome.warnings)).not.toMatch(/request_token|from=settings/);
}
