import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { formatIst } from "../core/time.js";
import { errorReply } from "./exchange.js";
import { apiError } from "./guard.js";
import type { RunRegistry, WireEvent } from "./runs.js";
import type { ConsoleScope } from "./runs.js";
import type { RunSource, RunSummary } from "./types.js";

/**
 * The runs, relative to where they are mounted (`/api`, or `/api/accounts/<id>`): the
 * recent history (console and worker), one run, and its steps as a server-sent event
 * stream (`event: step` for each step event, `event: end` with the summary).
 */
export function runRoutes(api: Hono, scope: ConsoleScope, now: () => Date): void {
  const { registry, lastRuns } = scope;
  api.get("/runs", async (c) => {
    const [runs, next] = await Promise.all([lastRuns(10), scope.runSource?.nextRun()]);
    return c.json({ runs, next_run: next ? formatIst(next) : null });
  });

  // One entry per IST day (today's last), for the strip of the last mornings.
  api.get("/days", async (c) => {
    const count = Number(c.req.query("count") ?? 30);
    if (!Number.isInteger(count) || count < 1 || count > 31) {
      return apiError(c, 400, "INPUT_INVALID", "count is a whole number of days, 1 to 31.");
    }
    try {
      return c.json({ days: (await scope.runSource?.days(count, now())) ?? [] });
    } catch (error) {
      const { status, body } = errorReply(error, scope.app);
      return c.json(body, status);
    }
  });

  api.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    const run = registry.get(id) ?? (await lastRuns(50)).find((r) => r.id === id);
    if (!run) return apiError(c, 404, "NOT_FOUND", "No such run.");
    return c.json(run);
  });

  api.get("/runs/:id/events", (c) => {
    const id = c.req.param("id");
    if (!registry.get(id)) {
      return apiError(c, 404, "NOT_FOUND", "No such console run.");
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

/**
 * The recent runs, newest first: the console's own from memory (with their live steps) and
 * the history's. A console run of the history is left out when it is one of those in memory
 * (it started while that one ran); one of an earlier process is listed from the history.
 */
export function mergedRuns(
  registry: RunRegistry,
  runSource: RunSource | undefined,
): (limit: number) => Promise<RunSummary[]> {
  const time = (iso: string): number => Date.parse(iso);
  return async (limit) => {
    const ours = registry.list(limit);
    const inMemory = (run: RunSummary): boolean =>
      run.trigger === "console" &&
      ours.some(
        (r) =>
          time(r.started_at) <= time(run.started_at) &&
          time(run.started_at) <= (r.ended_at ? time(r.ended_at) : Infinity),
      );
    const history = (await runSource?.lastRuns(limit + ours.length).catch(() => [])) ?? [];
    return [...ours, ...history.filter((r) => !inMemory(r))]
      .sort((a, b) => time(b.started_at) - time(a.started_at))
      .slice(0, limit);
  };
}
