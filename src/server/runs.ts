import { randomUUID } from "node:crypto";
import { causeText, toKiteTokenError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import type { SecretRedactor } from "../core/redact.js";
import type { StepEvent } from "../pipeline/refresh.js";
import type { App } from "../runner/app.js";
import { STEP_LABELS } from "../cli/output.js";
import { formatIst } from "../core/time.js";
import { errorBody } from "./exchange.js";
import type { RefreshRunner, RunSource, RunSummary } from "./types.js";

/**
 * A step event as sent to the page: its step's name as the CLI prints it, errors reduced
 * to their code, (scrubbed) message and the CLI's hint.
 */
export type WireEvent =
  | ({ type: "step"; step: string; label: string } & (
      | { phase: "start" }
      | { phase: "done"; ms: number; detail?: string }
      | { phase: "progress"; detail: string }
      | {
          phase: "fail";
          ms: number;
          code: string;
          message: string;
          /** What to do, as the CLI says it. */
          hint: string;
          kite_message?: string;
        }
    ))
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
        trigger: "console",
        started_at: formatIst(this.now()),
        duration_ms: null,
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
    const started = performance.now();
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
    } catch (caught) {
      const error = toKiteTokenError(
        caught,
        "INTERNAL",
        `The refresh failed unexpectedly: ${causeText(caught)}.`,
      );
      const { message, hint, kite_message } = errorBody(error, this.redactor);
      run.summary = {
        ...run.summary,
        outcome: "failed",
        error_code: error.code,
        error_message: message,
        ...(hint ? { hint } : {}),
        ...(kite_message ? { kite_message } : {}),
      };
      this.logger.warn({ run_id: run.summary.id, code: error.code }, "console refresh failed");
    } finally {
      run.summary.ended_at = formatIst(this.now());
      run.summary.duration_ms = Math.round(performance.now() - started);
      this.#current = undefined;
      emit({ type: "end", run: run.summary });
      run.listeners.clear();
    }
  }

  #toWire(event: StepEvent): WireEvent {
    const head = {
      type: "step",
      step: event.step,
      label: STEP_LABELS[event.step] ?? event.step,
    } as const;
    if (event.phase === "fail") {
      const { code, message, hint, kite_message } = errorBody(event.error, this.redactor);
      return {
        ...head,
        phase: "fail",
        ms: event.ms,
        code,
        message,
        hint: hint ?? "",
        ...(kite_message ? { kite_message } : {}),
      };
    }
    if (event.phase === "progress") return { ...head, phase: "progress", detail: event.detail };
    if (event.phase === "done") {
      return {
        ...head,
        phase: "done",
        ms: event.ms,
        ...(event.detail ? { detail: this.redactor.scrub(event.detail) } : {}),
      };
    }
    return { ...head, phase: "start" };
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
