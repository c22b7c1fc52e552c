import type { Redis } from "ioredis";

/**
 * The Redis clients of one process, one per URL (plus one per subscription, as Redis
 * requires), built on demand and closed together. ioredis is loaded only when a Redis
 * store or lock is used (it costs a few hundred milliseconds to load).
 */
export class RedisConnections {
  readonly #shared = new Map<string, Promise<Redis>>();
  readonly #all = new Set<Redis>();

  constructor(private readonly options: { connectTimeoutMs?: number } = {}) {}

  async #open(url: string): Promise<Redis> {
    const { Redis } = await import("ioredis");
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: this.options.connectTimeoutMs ?? 5000,
      maxRetriesPerRequest: 2,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Errors surface on the commands; the client's own event would otherwise crash the process.
    // The last one is kept: a command that gave up says only that it gave up.
    client.on("error", (error: Error) => lastErrors.set(client, error));
    this.#all.add(client);
    return client;
  }

  /** The shared client for commands on `url`. */
  get(url: string): Promise<Redis> {
    let client = this.#shared.get(url);
    if (!client) {
      client = this.#open(url);
      this.#shared.set(url, client);
    }
    return client;
  }

  /** A client of its own, for a subscription; closed with the others or by the caller. */
  dedicated(url: string): Promise<Redis> {
    return this.#open(url);
  }

  async release(client: Redis): Promise<void> {
    this.#all.delete(client);
    await quit(client);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#shared.values());
    const clients = [...this.#all];
    this.#all.clear();
    this.#shared.clear();
    await Promise.all(clients.map(quit));
  }
}

async function quit(client: Redis): Promise<void> {
  if (client.status === "end" || client.status === "wait") {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}

const lastErrors = new WeakMap<Redis, Error>();

/**
 * What really failed when a command on `client` did: the connection's own error
 * (ECONNREFUSED, an authentication failure) when the command only says it gave up
 * retrying, else the command's error.
 */
export function redisCause(client: Redis, error: unknown): unknown {
  const gaveUp = error instanceof Error && error.name === "MaxRetriesPerRequestError";
  return gaveUp ? (lastErrors.get(client) ?? error) : error;
}
