import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { aborted, causeText, KiteTokenError } from "../../core/errors.js";
import { formatIst, sleep } from "../../core/time.js";
import type { LockAcquireOptions, LockLease, LoginLock } from "./types.js";

interface Holder {
  pid: number;
  host: string;
  token: string;
  acquired_at: string;
}

export interface FileLockOptions {
  /** A lock whose file was not touched for this long is taken over (default 30 s). */
  staleMs?: number;
  /** How often a waiter looks again (default 50 ms). */
  pollMs?: number;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Errors of a filesystem that has no hard links (the lock is then created in place). */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/**
 * A lock file holding the owner's pid, host and a random token, touched while held. It
 * appears whole: the holder is written to a temporary file, which is then hard-linked to
 * the lock's name (failing when the lock exists), so a lock file is never seen empty
 * while its owner writes it. It is stale (and taken over) when its owner on this host is
 * dead, when it was not touched for `staleMs` (an owner on another host, a frozen one,
 * or a previous container whose pid this process now has), and at once when it holds no
 * owner (empty or cut short, as a full disk leaves one).
 */
export class FileLoginLock implements LoginLock {
  readonly name: string;
  readonly #path: string;
  readonly #staleMs: number;
  readonly #pollMs: number;

  constructor(file: string, options: FileLockOptions = {}) {
    this.#path = path.resolve(file);
    this.name = `file:${file}`;
    this.#staleMs = options.staleMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 50;
  }

  async acquire(options: LockAcquireOptions): Promise<LockLease> {
    const deadline = Date.now() + options.waitMs;
    await mkdir(path.dirname(this.#path), { recursive: true, mode: 0o700 });
    for (;;) {
      if (options.signal?.aborted) {
        throw aborted("Stopped while waiting for the login lock.", options.signal);
      }
      const lease = await this.#tryCreate();
      if (lease) return lease;
      await this.#takeOverIfStale();
      if (Date.now() >= deadline) {
        throw new KiteTokenError(
          "LOCK_TIMEOUT",
          `Another login held ${this.name} for more than ${Math.round(options.waitMs / 1000)} s.`,
        );
      }
      await sleep(this.#pollMs, options.signal).catch(() => undefined);
    }
  }

  async #tryCreate(): Promise<LockLease | undefined> {
    const holder: Holder = {
      pid: process.pid,
      host: hostname(),
      token: randomBytes(8).toString("hex"),
      acquired_at: formatIst(new Date()),
    };
    const content = JSON.stringify(holder);
    const temp = path.join(
      path.dirname(this.#path),
      `.${path.basename(this.#path)}.${process.pid}.${randomBytes(4).toString("hex")}.new`,
    );
    try {
      await writeNew(temp, content);
      try {
        await link(temp, this.#path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "";
        if (code === "EEXIST") return undefined;
        if (!NO_LINKS.has(code)) throw error;
        // No hard links here (some network or FAT mounts): created in place, O_EXCL.
        if (!(await writeNew(this.#path, content, { exists: "undefined" }))) return undefined;
      }
    } catch (error) {
      throw new KiteTokenError(
        "STORE_FAILED",
        `The lock file ${this.#path} cannot be written: ${causeText(error)}.`,
        {
          cause: error,
          hint: `Free some space in ${path.dirname(this.#path)} (or make it writable), then run again.`,
        },
      );
    } finally {
      await rm(temp, { force: true }).catch(() => undefined);
    }
    return this.#lease(holder.token);
  }

  #lease(token: string): LockLease {
    const file = this.#path;
    const heartbeat = setInterval(
      () => {
        const now = new Date();
        utimes(file, now, now).catch(() => undefined);
      },
      Math.max(1000, Math.floor(this.#staleMs / 3)),
    );
    heartbeat.unref();
    let released: Promise<void> | undefined;
    return {
      release: () => {
        released ??= (async () => {
          clearInterval(heartbeat);
          const current = await readHolder(file);
          if (current?.token === token) await rm(file, { force: true });
        })();
        return released;
      },
    };
  }

  async #takeOverIfStale(): Promise<void> {
    const file = this.#path;
    const [holder, info] = await Promise.all([readHolder(file), stat(file).catch(() => undefined)]);
    if (!info) return;
    const untouched = Date.now() - info.mtimeMs > this.#staleMs;
    const deadOwner =
      holder !== undefined &&
      holder.host === hostname() &&
      holder.pid !== process.pid &&
      !isAlive(holder.pid);
    // A lock appears whole (see above): one without a holder was left by a failed write.
    if (holder !== undefined && !untouched && !deadOwner) return;
    // Move it aside atomically; only one waiter wins the rename.
    const aside = `${file}.${randomBytes(4).toString("hex")}.stale`;
    try {
      await rename(file, aside);
    } catch {
      return;
    }
    const moved = await readHolder(aside);
    if (moved && moved.token !== holder?.token) {
      // Another waiter took it over in between and this was its fresh lock: put it back.
      await link(aside, file).catch(() => undefined);
    }
    await rm(aside, { force: true });
  }
}

/**
 * Creates `file` (O_EXCL, 0600) holding `content`; removed again when the write fails
 * (a full disk), so no empty file is left. With `exists: "undefined"`, a file already
 * there resolves false instead of throwing EEXIST.
 */
async function writeNew(
  file: string,
  content: string,
  options: { exists?: "throw" | "undefined" } = {},
): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, "wx", 0o600);
  } catch (error) {
    if (options.exists === "undefined" && (error as NodeJS.ErrnoException).code === "EEXIST")
      return false;
    throw error;
  }
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(file, { force: true }).catch(() => undefined);
    throw error;
  }
  return true;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<Holder>;
    if (typeof parsed.pid !== "number" || typeof parsed.token !== "string") return undefined;
    return parsed as Holder;
  } catch {
    return undefined;
  }
}
