import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { formatIst } from "../time.js";
import type { RunRegistry, WireEvent } from "./runs.js";
import type { ConsoleScope } from "./runs.js";
import type { RunSource, RunSummary } from "./types.js";

/**
 * The runs, relative to where they are mounted (`/api`, or `/api/accounts/<id>`): the
 * recent history (console and worker), one run, and its steps as a server-sent event
 * stream (`event: step` for each step event, `event: end` with the summary).
 */
export function runRoutes(api: Hono, scope: ConsoleScope): void {
  const { registry, lastRuns } = scope;
  api.get("/runs", async (c) => {
    const [runs, next] = await Promise.all([lastRuns(10), scope.runSource?.nextRun()]);
    return c.json({ runs, next_run: next ? formatIst(next) : null });
  });

  api.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    const run = registry.get(id) ?? (await lastRuns(50)).find((r) => r.id === id);
    if (!run) return c.json({ error: { code: "NOT_FOUND", message: "No such run." } }, 404);
    return c.json(run);
  });

  api.get("/runs/:id/events", (c) => {
    const id = c.req.param("id");
    if (!registry.get(id)) {
      return c.json({ error: { code: "NOT_FOUND", message: "No such console run." } }, 404);
    }
    return streamSSE(c, async (stream) => {
      const queue: WireEvent[] = [];
      let wake: (() => void) | undefined;
      const stop = registry.follow(id, (event) => {
        queue.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        stop?.();
        wake?.();
      });
      let ended = false;
      while (!ended && !stream.aborted) {
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
        ended = event.type === "end";
      }
      stop?.();
    });
  });
}

/** The recent runs of the console and of the worker (when wired), newest first. */
export function mergedRuns(
  registry: RunRegistry,
  runSource: RunSource | undefined,
): (limit: number) => Promise<RunSummary[]> {
  return async (limit) => {
    const worker = (await runSource?.lastRuns(limit).catch(() => [])) ?? [];
    return [...registry.list(limit), ...worker]
      .sort((a, b) => b.started_at.localeCompare(a.started_at))
      .slice(0, limit);
  };
}
