import type { GateStep, HeldReason, KitePostEvent } from "./types.js";
import { deferred, type Deferred } from "./wait.js";

/** An HTTP reply as the browser received it (or as the gate answers in its place). */
export interface GateReply {
  status: number;
  headers: Array<{ name: string; value: string }>;
  /** The body, base64-encoded. */
  body: string;
}

/** What happens to one POST to a gated Kite endpoint. */
export type GateVerdict =
  /** It leaves the browser: the one value armed. Kite's reply is recorded with `replied`. */
  | { kind: "send" }
  /** Held: a repeat of a value already sent, answered with Kite's reply to that one. */
  | { kind: "replay"; reply: Promise<GateReply | undefined> }
  /** Held: never sent, answered with an error reply shaped like Kite's. */
  | { kind: "refuse"; reason: Exclude<HeldReason, "repeat">; reply: GateReply };

const REFUSALS: Record<GateStep, Record<Exclude<HeldReason, "repeat">, string>> = {
  password: {
    empty: "kite-token held a login request with an empty password: it was not sent to Kite.",
    unbudgeted: "kite-token held a login request it did not make: it was not sent to Kite.",
    different: "kite-token held a second, different login request: it was not sent to Kite.",
  },
  twofa: {
    empty: "kite-token held a second-factor request with an empty code: it was not sent to Kite.",
    unbudgeted:
      "kite-token held a second-factor request while no code was budgeted: it was not sent to Kite.",
    different:
      "kite-token held a second-factor request with a code it did not budget: it was not sent to Kite.",
  },
};

/** What the login's progress says when the page's request was held. */
export const HELD_PROGRESS: Record<GateStep, Record<HeldReason, string>> = {
  password: {
    empty: "the page tried to send an empty password: held",
    repeat: "the page tried to send the password again: held, answered with Kite's first reply",
    unbudgeted: "the page tried to log in by itself: held",
    different: "the page tried to send other credentials: held",
  },
  twofa: {
    empty: "the page tried to send an empty code: held",
    repeat: "the page tried to send the same code again: held, answered with Kite's first reply",
    unbudgeted: "the page tried to send a code that was not budgeted: held",
    different: "the page tried to send a different code: held",
  },
};

function kiteError(message: string): GateReply {
  const body = JSON.stringify({
    status: "error",
    message,
    data: null,
    error_type: "InputException",
  });
  return {
    status: 400,
    headers: [{ name: "Content-Type", value: "application/json; charset=utf-8" }],
    body: Buffer.from(body).toString("base64"),
  };
}

/**
 * The gate on one Kite endpoint (the password's `/api/login`, the second factor's
 * `/api/twofa`): a POST leaves the browser only when it carries the value that was
 * armed (the code the budget has just recorded; the password, once per login), and
 * only once. Everything else is held: a repeat of a value already sent is answered with
 * Kite's own reply to it, anything else (empty, different, nothing armed) with an
 * InputException. It counts what it let through and what it held.
 */
export class PostGate {
  #armed: string | undefined;
  readonly #sent = new Map<string, Deferred<GateReply | undefined>>();
  /** Waiters for a value to leave the browser. */
  readonly #leaving = new Map<string, Deferred<void>>();

  constructor(
    readonly step: GateStep,
    private readonly report: (event: KitePostEvent) => void = () => undefined,
  ) {}

  /** The one value allowed to leave next (replacing any armed value not yet sent). */
  arm(value: string): void {
    this.#armed = value;
  }

  /** Nothing may leave any more. */
  disarm(): void {
    this.#armed = undefined;
  }

  decide(value: string): GateVerdict {
    const sent = this.#sent.get(value);
    if (sent) return this.#held("repeat", { kind: "replay", reply: sent.promise });
    if (value.trim() === "") return this.#refused("empty");
    if (this.#armed === undefined) return this.#refused("unbudgeted");
    if (value !== this.#armed) return this.#refused("different");
    this.#armed = undefined;
    this.#sent.set(value, deferred());
    this.#leavingOf(value).resolve();
    this.report({ kind: "sent", step: this.step });
    return { kind: "send" };
  }

  /** Resolves once `value` has left the browser (at once when it already has). */
  left(value: string): Promise<void> {
    return this.#leavingOf(value).promise;
  }

  #leavingOf(value: string): Deferred<void> {
    let leaving = this.#leaving.get(value);
    if (!leaving) {
      leaving = deferred<void>();
      this.#leaving.set(value, leaving);
    }
    return leaving;
  }

  /** Kite's reply to the value that was sent (undefined when it could not be read). */
  replied(value: string, reply: GateReply | undefined): void {
    this.#sent.get(value)?.resolve(reply);
  }

  /** Whether this value left the browser. */
  wasSent(value: string): boolean {
    return this.#sent.has(value);
  }

  /** Kite's reply to this value, once it came back; undefined when it was never sent. */
  reply(value: string): Promise<GateReply | undefined> | undefined {
    return this.#sent.get(value)?.promise;
  }

  #refused(reason: Exclude<HeldReason, "repeat">): GateVerdict {
    return this.#held(reason, {
      kind: "refuse",
      reason,
      reply: kiteError(REFUSALS[this.step][reason]),
    });
  }

  #held(reason: HeldReason, verdict: GateVerdict): GateVerdict {
    this.report({ kind: "held", step: this.step, reason });
    return verdict;
  }
}

/** The form or JSON body of a request, as text. */
export function bodyText(request: {
  postData?: string;
  postDataEntries?: Array<{ bytes?: string }>;
}): string {
  return (
    request.postData ??
    (request.postDataEntries ?? [])
      .map((entry) => Buffer.from(entry.bytes ?? "", "base64").toString("utf8"))
      .join("")
  );
}

/** One field of a form-encoded or JSON body ("" when absent). */
export function fieldOf(body: string, field: string): string {
  if (body.trimStart().startsWith("{")) {
    try {
      const value = (JSON.parse(body) as Record<string, unknown>)[field];
      return typeof value === "string" || typeof value === "number" ? String(value) : "";
    } catch {
      return "";
    }
  }
  return new URLSearchParams(body).get(field) ?? "";
}
