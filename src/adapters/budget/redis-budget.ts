import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { KiteTokenError } from "../../core/errors.js";
import {
  budgetDay,
  budgetSpent,
  DAILY_REJECTED_TOTP_LIMIT,
  istDay,
  type BudgetDay,
  type SecondFactorBudget,
  type SettledOutcome,
} from "./budget.js";
import type { Submission } from "../state/state.js";

/**
 * Counts today's rejected or unsettled submissions and, under the limit, records a new
 * pending one, in one atomic step: two machines can never both take the last one.
 */
const RESERVE = `
local spent = 0
for _, outcome in ipairs(redis.call("HVALS", KEYS[1])) do
  if outcome ~= "accepted" and outcome ~= "unsent" then spent = spent + 1 end
end
if spent >= tonumber(ARGV[2]) then return spent end
redis.call("HSET", KEYS[1], ARGV[1], "pending")
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return -1`;
/** Settles a submission that was reserved (a missing day key is left missing). */
const SETTLE = `if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 then return redis.call("HSET", KEYS[1], ARGV[1], ARGV[2]) else return 0 end`;

/** A day's key outlives the day, whatever the time zones of the machines. */
const DAY_KEY_TTL_MS = 48 * 60 * 60 * 1000;

export interface RedisBudgetOptions {
  client: () => Promise<Redis>;
  /** The account whose submissions are counted: one budget per account. */
  userId: string;
  /** A display name without credentials, e.g. `redis://127.0.0.1:6379`. */
  where: string;
  now?: () => Date;
  limit?: number;
}

/**
 * The day's second-factor budget in Redis, shared by every machine using it: a hash
 * `kite:twofa:<user_id>:<IST day>` of submission id → outcome, expiring after two days.
 * Same rules as the state file's: reserved before, settled after, anything not known to
 * be accepted counts.
 */
export class RedisTwofaBudget implements SecondFactorBudget {
  readonly name: string;

  constructor(private readonly options: RedisBudgetOptions) {
    this.name = `${options.where} ${this.#key("<IST day>")}`;
  }

  #key(day: string): string {
    return `kite:twofa:${this.options.userId}:${day}`;
  }

  #now(): Date {
    return this.options.now?.() ?? new Date();
  }

  async #run<T>(action: string, command: (client: Redis) => Promise<T>): Promise<T> {
    try {
      return await command(await this.options.client());
    } catch (error) {
      throw new KiteTokenError(
        "STORE_FAILED",
        `The second-factor budget at ${this.options.where} could not ${action}.`,
        { cause: error, retryable: true },
      );
    }
  }

  async reserve(): Promise<string> {
    const day = istDay(this.#now());
    // The id carries its day, so a submission settled after midnight finds its key.
    const id = `${day}/${randomBytes(6).toString("hex")}`;
    const limit = this.#limit();
    const refused = await this.#run("be checked", (client) =>
      client.eval(RESERVE, 1, this.#key(day), id, String(limit), String(DAY_KEY_TTL_MS)),
    );
    if (typeof refused === "number" && refused >= 0) throw budgetSpent(refused);
    return id;
  }

  async settle(id: string, outcome: SettledOutcome): Promise<void> {
    const day = id.slice(0, id.indexOf("/"));
    await this.#run("be updated", (client) => client.eval(SETTLE, 1, this.#key(day), id, outcome));
  }

  async spentToday(): Promise<number> {
    return (await this.today()).spent;
  }

  #limit(): number {
    return this.options.limit ?? DAILY_REJECTED_TOTP_LIMIT;
  }

  async today(): Promise<BudgetDay> {
    const day = istDay(this.#now());
    const outcomes = await this.#run("be read", (client) => client.hvals(this.#key(day)));
    return budgetDay(day, this.#limit(), outcomes as Submission["outcome"][]);
  }

  async reset(): Promise<BudgetDay> {
    const day = istDay(this.#now());
    // Read and deleted in one step: a code reserved meanwhile is not forgotten unseen.
    const outcomes = await this.#run("be reset", async (client) => {
      const replies = await client.multi().hvals(this.#key(day)).del(this.#key(day)).exec();
      return (replies?.[0]?.[1] ?? []) as Submission["outcome"][];
    });
    return budgetDay(day, this.#limit(), outcomes);
  }

  async check(): Promise<void> {
    const spent = await this.spentToday();
    if (spent >= this.#limit()) throw budgetSpent(spent);
  }
}
