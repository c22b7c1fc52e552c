/**
 * An idle process holding the modules a waiting worker keeps loaded (not the worker
 * itself, which is built elsewhere): `idle.js fresh`, or `idle.js browser|http` once one
 * refresh with that strategy has run against the simulator (a browser refresh closes its
 * browser, but Playwright's client stays loaded). Prints one JSON line when ready, then waits.
 */
import { processesTagged } from "../test/helpers/processes.js";

const afterRun = process.argv[2];
await import("../src/app.js");
await import("../src/config/load.js");
await import("kiteconnect");
if (afterRun === "browser" || afterRun === "http") {
  const { main } = await import("./child.js");
  await main(afterRun, 1);
}
(globalThis as { gc?: () => void }).gc?.();
process.stdout.write(`${JSON.stringify({ browsersLeft: processesTagged("bench-").length })}\n`);
setInterval(() => undefined, 60_000);
