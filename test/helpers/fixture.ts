import { after, before, beforeEach } from "node:test";
import { KiteTokenError } from "../../src/core/errors.js";
import {
  defaultScenario,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { redirectHost } from "./setup.js";

export interface SimulatorFixture {
  sim: Simulator;
  host: Awaited<ReturnType<typeof redirectHost>>;
}

/**
 * A simulator whose redirect URL points at a real server (so a test can prove nothing
 * reaches it), started once per file, with its scenario, counters and the host's hits
 * reset before each test. Read the fields inside tests, after `before` ran.
 */
export function simulatorFixture(): SimulatorFixture {
  const fixture = {} as SimulatorFixture;
  before(async () => {
    fixture.host = await redirectHost();
    fixture.sim = await startSimulator({ app: { redirectUrl: fixture.host.url } });
  });
  after(async () => {
    await fixture.sim.close();
    await fixture.host.close();
  });
  beforeEach(() => {
    fixture.sim.setScenario({
      ...defaultScenario(),
      renderDelayMs: fixture.sim.scenario.renderDelayMs,
    });
    fixture.sim.resetCounters();
    fixture.host.hits.length = 0;
  });
  return fixture;
}

/**
 * One simulator for the whole test file: started before its tests and closed after them;
 * before each test its counters are reset and (unless `keepScenario`) its scenario is
 * put back to the default. `use` receives it once it is running.
 */
export function simulatorForFile(
  use: (sim: Simulator) => void,
  options: { keepScenario?: boolean } = {},
): void {
  let sim: Simulator | undefined;
  before(async () => {
    sim = await startSimulator();
    use(sim);
  });
  after(async () => {
    await sim?.close();
  });
  beforeEach(() => {
    if (!options.keepScenario) sim?.setScenario(defaultScenario());
    sim?.resetCounters();
  });
}

/** The KiteTokenError a promise rejects with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<KiteTokenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KiteTokenError) return error;
    throw error;
  }
  throw new Error("expected the promise to fail");
}
