import { randomBytes, scrypt, timingSafeEqual, type BinaryLike } from "node:crypto";
import { KiteTokenError } from "../../core/errors.js";
import { formatIst, formatIstShort } from "../../core/time.js";
import type { StateFile } from "../state/state.js";

/**
 * scrypt's cost for the fingerprint (about 50 ms here): paid only when a rejection is on
 * record, and enough that the state file never helps anyone guess the password.
 */
const COST = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const LENGTH = 32;

function fingerprint(userId: string, password: string, salt: BinaryLike): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(`${userId}\0${password}`, salt, LENGTH, COST, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** A recorded time (ISO 8601, +05:30) as people read it: `2026-12-03 08:30 IST`. */
export const rejectedWhen = (at: string): string => formatIstShort(new Date(at));

function passwordRefused(at: string): KiteTokenError {
  return new KiteTokenError(
    "BAD_CREDENTIALS",
    `Kite rejected this user id and password at ${rejectedWhen(at)}; they are not sent again (five wrong passwords lock the account) until the password or the user id changes. Nothing was sent to Kite.`,
    {
      hint: "Update KITE_PASSWORD (and check KITE_USER_ID) to what you type on kite.zerodha.com; the next run then logs in. If they were right all along, `kite-token budget reset --yes` lets the next run send them once more.",
    },
  );
}

/**
 * A wrong password is never sent twice, across runs, processes and restarts: when Kite
 * rejects the user id and password, the account's state file keeps a salted fingerprint
 * of them (never the password), and a later login with the same ones is refused before
 * anything reaches Kite. Changing either, a login that gets past the password, or
 * `kite-token budget reset --yes` ends it.
 */
export class PasswordGuard {
  constructor(
    private readonly state: StateFile,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** When Kite last rejected this account's credentials (any of them), if it did. */
  async rejectedAt(): Promise<string | undefined> {
    return (await this.state.read()).password_rejected?.at;
  }

  /**
   * Before a login: throws BAD_CREDENTIALS, sending nothing, when Kite rejected these
   * before. Resolves with whether a rejection (of other credentials) is on record.
   */
  async check(userId: string, password: string): Promise<boolean> {
    const rejected = (await this.state.read()).password_rejected;
    if (!rejected) return false;
    const hash = await fingerprint(userId, password, Buffer.from(rejected.salt, "base64"));
    const known = Buffer.from(rejected.hash, "base64");
    if (known.length === hash.length && timingSafeEqual(known, hash))
      throw passwordRefused(rejected.at);
    return true;
  }

  /** Kite rejected these credentials: kept, so that they are not sent again. */
  async rejected(userId: string, password: string): Promise<void> {
    const salt = randomBytes(16);
    const hash = await fingerprint(userId, password, salt);
    const at = formatIst(this.now());
    await this.state.update((state) => {
      state.password_rejected = {
        at,
        salt: salt.toString("base64"),
        hash: hash.toString("base64"),
      };
    });
  }

  /** Kite took the password (the login got past it): the rejection on record is over. */
  async accepted(): Promise<void> {
    await this.state.update((state) => {
      delete state.password_rejected;
    });
  }

  /** Forgets a rejection on record (`kite-token budget reset --yes`); resolves with its time. */
  async reset(): Promise<string | undefined> {
    return this.state.update((state) => {
      const at = state.password_rejected?.at;
      delete state.password_rejected;
      return at;
    });
  }
}
