import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, readlink, rename, rm } from "node:fs/promises";
import path from "node:path";
import { causeText, KiteTokenError } from "../../core/errors.js";
import { TokenRecordSchema, type TokenRecord } from "./record.js";
import { watchTokenFile } from "./file-watch.js";
import type { StopWatching, TokenStore, WatchHandlers } from "./types.js";

/** How many symbolic links a path may go through, as the kernel allows (ELOOP beyond). */
const MAX_LINKS = 40;

/**
 * The file a path names once its symbolic links are followed (a chain, relative or
 * absolute, dangling or not): where a write must go so that whoever reads the link, or
 * its target, sees the new content. A path that is not a link is itself.
 */
export async function throughLinks(file: string): Promise<string> {
  let current = path.resolve(file);
  for (let hops = 0; hops < MAX_LINKS; hops += 1) {
    let target: string;
    try {
      target = await readlink(current);
    } catch {
      // Not a link (EINVAL), not there yet (ENOENT), or unreachable: the write says which.
      return current;
    }
    current = path.resolve(path.dirname(current), target);
  }
  throw Object.assign(new Error(`ELOOP: too many symbolic links encountered, ${file}`), {
    code: "ELOOP",
  });
}

/** A temporary file's name beside `file`, hidden and unique to this process. */
function temporaryBeside(file: string, kind: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.${kind}`,
  );
}

/**
 * Writes `content` to `file` atomically: a temporary file in the same folder, written
 * with mode 0600 and fsynced, then renamed over the target, then the folder fsynced.
 * A reader sees the old file or the new one, never half of either. A symbolic link is
 * written through (the temporary file and the rename are in its target's folder), so
 * the link stays a link and its target gets the content. On any failure (a full disk,
 * a read-only folder) the temporary file is removed and the target left as it was.
 */
export async function writeFileAtomic(
  file: string,
  content: string,
  encoding: BufferEncoding = "utf8",
): Promise<void> {
  const target = await throughLinks(file);
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = temporaryBeside(target, "tmp");
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(content, encoding);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/** What a probe writes: about a token record's size, so a full disk shows before a login. */
const PROBE_BYTES = Buffer.alloc(1024, "kite-token write probe\n");

/**
 * Creates, writes, fsyncs and deletes a probe file in `dir` (created if missing, as a
 * write would): the folder takes a file of a token's size. The probe file is removed
 * whatever fails.
 */
export async function probeFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const probe = path.join(
    dir,
    `.kite-token-probe.${process.pid}.${randomBytes(4).toString("hex")}`,
  );
  const handle = await open(probe, "wx", 0o600);
  try {
    await handle.writeFile(PROBE_BYTES);
    await handle.sync();
  } finally {
    await handle.close().catch(() => undefined);
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/**
 * The folder a file is written in (through its links): probed, STORE_FAILED naming the
 * folder, the file's store and the cause when it cannot take the file.
 */
export async function probeFileFolder(file: string, store: string): Promise<string> {
  let dir = path.dirname(path.resolve(file));
  try {
    dir = path.dirname(await throughLinks(file));
    await probeFolder(dir);
  } catch (error) {
    throw new KiteTokenError(
      "STORE_FAILED",
      `The folder ${dir} cannot take the token of ${store}: ${causeText(error)}.`,
      { cause: error, hint: `Make ${dir} writable (and free some space there), then run again.` },
    );
  }
  return dir;
}

export class FileTokenStore implements TokenStore {
  readonly name: string;
  readonly path: string;

  constructor(file: string) {
    this.path = path.resolve(file);
    this.name = `file:${file}`;
  }

  async read(): Promise<TokenRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new KiteTokenError(
        "STORE_FAILED",
        `The token file ${this.path} cannot be read: ${causeText(error)}.`,
        {
          cause: error,
          hint: "Check the file's owner and permissions: kite-token reads and writes it as the user it runs as.",
        },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new KiteTokenError("STORE_FAILED", `The token file ${this.path} is not valid JSON.`, {
        cause: error,
        hint: "Move it aside (a refresh writes a new one); it is not a token file kite-token wrote.",
      });
    }
    const parsed = TokenRecordSchema.safeParse(json);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].join(", ");
      throw new KiteTokenError(
        "STORE_FAILED",
        `The token file ${this.path} has missing or bad fields: ${fields}.`,
        {
          cause: parsed.error,
          hint: "Move it aside (a refresh writes a new one); it is not a token file kite-token wrote.",
        },
      );
    }
    return parsed.data;
  }

  /** Reports each token written to the file from now on, by this or any other process. */
  watch(handlers: WatchHandlers): Promise<StopWatching> {
    return watchTokenFile(this.path, () => this.read(), handlers);
  }

  async write(record: TokenRecord): Promise<void> {
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(record, null, 2)}\n`);
    } catch (error) {
      throw writeFailure(this.path, error);
    }
  }

  /** The folder the token goes to (through a link) takes a file: before a login spends anything. */
  async probe(): Promise<string> {
    return `folder ${await probeFileFolder(this.path, this.name)} writable`;
  }
}

/** STORE_FAILED for a file that could not be written, naming it and the cause. */
export function writeFailure(file: string, error: unknown): KiteTokenError {
  return new KiteTokenError(
    "STORE_FAILED",
    `The token could not be written to ${file}: ${causeText(error)}.`,
    {
      cause: error,
      hint: `Make the folder of ${file} writable (and free some space there), then run again.`,
    },
  );
}
