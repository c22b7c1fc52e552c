import type { PendingSummary } from "../runner/alerts/service.js";
import { isKiteTokenError, KiteTokenError, type ErrorCode } from "../core/errors.js";
import type { SecretRedactor } from "../core/redact.js";
import type { RunReport, StepEvent } from "../pipeline/refresh.js";
import { failedSecondaries, type WriteReport } from "../adapters/stores/composite.js";
import { detectInvocation, namedAs, type Invocation } from "./invocation.js";

/** Exit codes: 0 success, 1 the refresh (or check) failed, 2 bad configuration or usage. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set(["CONFIG_INVALID", "USAGE", "INPUT_INVALID"]);

/**
 * A failed run's JSON (`refresh --json`, `exchange --json`): `status: "failed"` with what
 * failed, where, what Kite said (`kite_status`: its HTTP status) and what to do, as the
 * human output says it.
 */
export function failedRunJson(
  userId: string | undefined,
  report: Extract<RunReport, { ok: false }>,
): Record<string, unknown> {
  const e = report.error;
  return {
    status: "failed",
    user_id: userId,
    code: e.code,
    message: e.message,
    hint: e.hint,
    retryable: e.retryable,
    ...(report.step ? { step: report.step } : {}),
    ...(e.kiteMessage ? { kite_message: e.kiteMessage } : {}),
    ...(e.kiteErrorType ? { kite_error_type: e.kiteErrorType } : {}),
    ...(e.status === undefined ? {} : { kite_status: e.status }),
    ...(report.evidence ? { evidence: report.evidence } : {}),
  };
}

export function exitCodeFor(error: unknown): number {
  return isKiteTokenError(error) && USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILED;
}

/**
 * Writes through the redactor: no secret reaches the terminal, whatever the text. Every
 * `` `kite-token …` `` it prints is named as the person runs it (`npx kite-token …`,
 * `npm run refresh`).
 */
export class Output {
  constructor(
    private readonly redactor: SecretRedactor,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
    private readonly invocation: Invocation = detectInvocation(),
  ) {}

  line(text = ""): void {
    // A reader that left (main.ts keeps its EPIPE from ending the process) is not written to again.
    if ((this.stdout as { destroyed?: boolean }).destroyed) return;
    this.stdout.write(`${this.redactor.scrub(namedAs(text, this.invocation))}\n`);
  }

  json(value: unknown): void {
    this.stdout.write(`${this.redactor.scrub(JSON.stringify(value, null, 2))}\n`);
  }

  error(text: string): void {
    this.stderr.write(`${this.redactor.scrub(namedAs(text, this.invocation))}\n`);
  }

  /** A warning the run ended with (it still succeeded). */
  warning(text: string): void {
    this.error(`kite-token: warning: ${text}`);
  }

  /**
   * One clear line, details with --verbose; a message that lists problems (the
   * configuration's) ends with its hint on a line of its own.
   */
  failure(error: unknown, verbose: boolean): void {
    const e = isKiteTokenError(error)
      ? error
      : new KiteTokenError("INTERNAL", error instanceof Error ? error.message : String(error), {
          cause: error,
        });
    const said = e.kiteMessage
      ? ` Kite said: "${e.kiteMessage}"${/[.!?]$/.test(e.kiteMessage) ? "" : "."}`
      : "";
    const text = `kite-token: ${e.code}: ${e.message}${said}`;
    this.error(text.includes("\n") ? `${text}\n${e.hint}` : `${text} ${e.hint}`);
    if (verbose) {
      let cause: unknown = e.cause;
      while (cause !== undefined && cause !== null) {
        const text =
          cause instanceof Error ? (cause.stack ?? cause.message) : JSON.stringify(cause);
        this.error(`  caused by: ${text}`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
  }
}

/** Each step's name as a person reads it (the CLI's lines, the console's rows). */
export const STEP_LABELS: Record<string, string> = {
  check: "check saved token",
  lock: "single-login lock",
  login: "log in",
  exchange: "exchange request token",
  verify: "verify with /user/profile",
  save: "save",
};

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Prints each step with its duration as it finishes. */
export function stepPrinter(out: Output, prefix = ""): (event: StepEvent) => void {
  const print = { line: (text: string) => out.line(`${prefix}${text}`) };
  return (event) => {
    const label = (STEP_LABELS[event.step] ?? event.step).padEnd(26);
    if (event.phase === "done") {
      print.line(
        `  ok    ${label} ${formatSeconds(event.ms).padStart(8)}${event.detail ? `  (${event.detail})` : ""}`,
      );
    } else if (event.phase === "fail") {
      print.line(`  FAIL  ${label} ${formatSeconds(event.ms).padStart(8)}  (${event.error.code})`);
    } else if (event.phase === "progress") {
      print.line(`        · ${event.detail}`);
    }
  };
}

/** One warning line per secondary store the token could not be delivered to. */
export function printStoreWarnings(out: Output, report: WriteReport | undefined): void {
  for (const failed of failedSecondaries(report)) {
    out.error(
      `kite-token: warning: the token was saved but not delivered to ${failed.store} (${failed.attempts} attempts): ${failed.error?.message ?? "unknown error"}`,
    );
  }
}

/** Where a failed login's screenshot and page were saved, for a look at what the browser saw. */
export function printEvidence(out: Output, files: string[] | undefined, prefix = ""): void {
  if (!files || files.length === 0) return;
  const named = files.map((f) => `${f} (${f.endsWith(".png") ? "screenshot" : "page"})`);
  out.error(`${prefix}kite-token: what the browser showed is saved in ${named.join(" and ")}.`);
}

/** `1 account`, `2 accounts`. */
export function counted(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}

/**
 * A line when a run that is over still waits for its alerts or its heartbeat ping after
 * two seconds (a mail server or a monitor that answers slowly or never): the wait is said,
 * never silent. Armed when the run's result is printed, cancelled when they are done.
 */
export function alertWaitNotice(
  out: Output,
  waitMs: number,
  prefix = "",
): { arm(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    arm() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        out.error(
          `${prefix}kite-token: still sending notifications (${Math.round(waitMs / 1000)} s at most; an alert not delivered by then stays pending)…`,
        );
      }, 2000);
      timer.unref();
    },
    cancel: () => clearTimeout(timer),
  };
}

/**
 * One line when a run's alerts are still pending (no channel accepted them within the few
 * seconds a run waits): what the channels said, and how they will be retried.
 */
export function printPendingAlerts(
  out: Output,
  pending: PendingSummary[] | undefined,
  prefix = "",
): void {
  if (!pending || pending.length === 0) return;
  const what = pending.length === 1 ? "alert pending" : `${pending.length} alerts pending`;
  const why = pending[0]?.last_error;
  const reason = why
    ? ` (not delivered yet: ${why.length > 160 ? `${why.slice(0, 159)}…` : why})`
    : "";
  out.error(
    `${prefix}kite-token: ${what}${reason}, will be retried by the next run or the worker.`,
  );
}
