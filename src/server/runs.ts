import { randomUUID } from "node:crypto";
import { isKiteTokenError } from "../errors.js";
import type { Logger } from "../log.js";
import type { SecretRedactor } from "../redact.js";
import type { StepEvent } from "../refresh.js";
import { formatIstMs } from "../time.js";
import type { App } from "../app.js";
import type { RefreshRunner, RunSource, RunSummary } from "./types.js";

/** A step event as sent to the page: errors reduced to their code and (scrubbed) message. */
export type WireEvent =
  | { type: "step"; step: string; phase: "start" }
  | { type: "step"; step: string; phase: "done"; ms: number; detail?: string }
  | { type: "step"; step: string; phase: "progress"; detail: string }
  | { type: "step"; step: string; phase: "fail"; ms: number; code: string; message: string }
  | { type: "end"; run: RunSummary };

interface RunRecord {
  summary: RunSummary;
  events: WireEvent[];
  listeners: Set<(event: WireEvent) => void>;
  controller: AbortController;
}

const KEPT_RUNS = 20;

/**
 * The console's refresh runs: at most one at a time (a second request joins the running
 * one, so there is never a second login), each with its step events kept for late readers.
 */
export class RunRegistry {
  readonly #runs = new Map<string, RunRecord>();
  #current: RunRecord | undefined;

  constructor(
    private readonly runner: RefreshRunner,
    private readonly logger: Logger,
    private readonly redactor: SecretRedactor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Starts a run, or returns the one already running. */
  start(options: { force: boolean } = { force: false }): { id: string; joined: boolean } {
    if (this.#current) return { id: this.#current.summary.id, joined: true };
    const run: RunRecord = {
      summary: {
        id: randomUUID(),
        source: "console",
        started_at: formatIstMs(this.now()),
        outcome: "running",
        steps: [],
      },
      events: [],
      listeners: new Set(),
      controller: new AbortController(),
    };
    this.#current = run;
    this.#runs.set(run.summary.id, run);
    this.#trim();
    this.logger.info({ run_id: run.summary.id }, "console refresh started");
    void this.#execute(run, options);
    return { id: run.summary.id, joined: false };
  }

  get(id: string): RunSummary | undefined {
    return this.#runs.get(id)?.summary;
  }

  /** Newest first. */
  list(limit: number): RunSummary[] {
    return [...this.#runs.values()]
      .map((r) => r.summary)
      .reverse()
      .slice(0, limit);
  }

  /**
   * Replays the run's events so far, then follows it live. Returns an unsubscribe
   * function, or undefined for an unknown run.
   */
  follow(id: string, listener: (event: WireEvent) => void): (() => void) | undefined {
    const run = this.#runs.get(id);
    if (!run) return undefined;
    for (const event of run.events) listener(event);
    if (run.summary.outcome !== "running") return () => {};
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  /** Stops a running refresh (server shutdown) and waits for nothing. */
  abortAll(): void {
    this.#current?.controller.abort();
  }

  async #execute(run: RunRecord, options: { force: boolean }): Promise<void> {
    const emit = (event: WireEvent): void => {
      run.events.push(event);
      for (const listener of run.listeners) listener(event);
    };
    try {
      const outcome = await this.runner(
        (event) => {
          if (event.phase === "done") run.summary.steps.push({ step: event.step, ms: event.ms });
          emit(this.#toWire(event));
        },
        run.controller.signal,
        options,
      );
      run.summary.outcome = outcome.status;
    } catch (error) {
      run.summary.outcome = "failed";
      run.summary.error_code = isKiteTokenError(error) ? error.code : "INTERNAL";
      this.logger.warn(
        { run_id: run.summary.id, code: run.summary.error_code },
        "console refresh failed",
      );
    } finally {
      run.summary.ended_at = formatIstMs(this.now());
      this.#current = undefined;
      emit({ type: "end", run: run.summary });
      run.listeners.clear();
    }
  }

  #toWire(event: StepEvent): WireEvent {
    if (event.phase === "fail") {
      return {
        type: "step",
        step: event.step,
        phase: "fail",
        ms: event.ms,
        code: event.error.code,
        message: this.redactor.scrub(event.error.message),
      };
    }
    if (event.phase === "progress") return { type: "step", ...event };
    if (event.phase === "done") {
      return {
        type: "step",
        step: event.step,
        phase: "done",
        ms: event.ms,
        ...(event.detail ? { detail: this.redactor.scrub(event.detail) } : {}),
      };
    }
    return { type: "step", step: event.step, phase: "start" };
  }

  #trim(): void {
    for (const [id, run] of this.#runs) {
      if (this.#runs.size <= KEPT_RUNS) break;
      if (run !== this.#current) this.#runs.delete(id);
    }
  }
}

/**
 * What the token and run endpoints act on: the single account, or one account of the
 * accounts file (its app, its console runs and its run history).
 */
export interface ConsoleScope {
  app: App;
  registry: RunRegistry;
  runSource: RunSource | undefined;
  /** The console's and the history's runs, newest first. */
  lastRuns(limit: number): Promise<RunSummary[]>;
  /** The account's id in accounts mode. */
  account?: string;
}
