import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { KiteTokenError } from "../errors.js";
import { TokenRecordSchema, type TokenRecord } from "./record.js";
import { watchTokenFile } from "./file-watch.js";
import type { StopWatching, TokenStore, WatchHandlers } from "./types.js";

/**
 * Writes `content` to `file` atomically: a temporary file in the same folder, written
 * with mode 0600 and fsynced, then renamed over the target, then the folder fsynced.
 * A reader sees the old file or the new one, never half of either.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/** Creates and deletes a probe file in `dir` (created if missing, as a write would). */
export async function probeFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const probe = path.join(
    dir,
    `.kite-token-probe.${process.pid}.${randomBytes(4).toString("hex")}`,
  );
  const handle = await open(probe, "wx", 0o600);
  await handle.close();
  await rm(probe, { force: true });
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
      throw new KiteTokenError("STORE_FAILED", `The token file ${this.path} cannot be read.`, {
        cause: error,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new KiteTokenError("STORE_FAILED", `The token file ${this.path} is not valid JSON.`, {
        cause: error,
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
      throw new KiteTokenError("STORE_FAILED", `The token could not be written to ${this.path}.`, {
        cause: error,
      });
    }
  }

  async probe(): Promise<string> {
    const dir = path.dirname(this.path);
    try {
      await probeFolder(dir);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? "unwritable";
      throw new KiteTokenError("STORE_FAILED", `The folder ${dir} is not writable (${reason}).`, {
        cause: error,
      });
    }
    return `folder ${dir} writable`;
  }
}
