import { checkHealth } from "../../worker/health.js";
import { Schedule } from "../../worker/schedule.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { EXIT_FAILED, EXIT_OK } from "../output.js";

/** `kite-token health`: the container's HEALTHCHECK. */
export async function healthCommand(global: GlobalOptions): Promise<number> {
  const { app, out } = commandContext(global);
  const { worker } = app.config;
  const health = await checkHealth(
    app.store,
    app.state,
    new Schedule(worker.schedule, worker.scheduleTz),
  );
  out.line(`${health.healthy ? "healthy" : "unhealthy"}: ${health.reason}`);
  return health.healthy ? EXIT_OK : EXIT_FAILED;
}
