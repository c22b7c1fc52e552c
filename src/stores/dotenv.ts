import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { KiteTokenError } from "../errors.js";
import { probeFolder, writeFileAtomic } from "./file.js";
import type { TokenRecord } from "./record.js";
import type { TokenSink } from "./types.js";

const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.*)$/;

/** A value as `.env` parsers read it back: bare when plain, double-quoted otherwise. */
function dotenvValue(value: string): string {
  return /^[A-Za-z0-9_.:@/+-]*$/.test(value) ? value : JSON.stringify(value);
}

/**
 * `.env` text with the given variables set: each line assigning one of them gets the new
 * value (its `export` prefix and spacing kept), every other byte is left as it was.
 * Variables the file does not assign yet are appended at the end.
 */
export function updateDotenv(text: string, values: Readonly<Record<string, string>>): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text === "" ? [] : text.split(/\r?\n/);
  const seen = new Set<string>();
  const updated = lines.map((line) => {
    const match = ASSIGNMENT.exec(line);
    const name = match?.[2];
    if (!match || name === undefined || !(name in values)) return line;
    seen.add(name);
    return `${match[1] ?? ""}${name}${match[3] ?? "="}${dotenvValue(values[name] ?? "")}`;
  });
  const missing = Object.keys(values).filter((name) => !seen.has(name));
  if (missing.length === 0) return updated.join(eol);
  // Keep the file's final newline (or its absence) after the appended lines.
  const endsWithNewline = updated.length > 1 && updated[updated.length - 1] === "";
  if (endsWithNewline) updated.pop();
  for (const name of missing) updated.push(`${name}=${dotenvValue(values[name] ?? "")}`);
  return updated.join(eol) + (endsWithNewline || text === "" ? eol : "");
}

/** A variable's name for one account: `KITE_ACCESS_TOKEN` + `_MAIN` (no suffix: unchanged). */
export function suffixed(name: string, suffix: string): string {
  return suffix ? `${name}_${suffix}` : name;
}

/** Rewrites `KITE_ACCESS_TOKEN` and `KITE_USER_ID` in an existing `.env` file, atomically. */
export class DotenvTokenSink implements TokenSink {
  readonly name: string;
  readonly path: string;

  /** `suffix` (many accounts): writes `KITE_ACCESS_TOKEN_<SUFFIX>` and `KITE_USER_ID_<SUFFIX>`. */
  constructor(
    file: string,
    private readonly suffix = "",
  ) {
    this.path = path.resolve(file);
    this.name = `dotenv:${file}${suffix ? ` (${suffixed("KITE_ACCESS_TOKEN", suffix)})` : ""}`;
  }

  async write(record: TokenRecord): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      throw new KiteTokenError(
        "STORE_FAILED",
        missing
          ? `The .env file ${this.path} does not exist; create it (it may be empty) so the token can be written into it.`
          : `The .env file ${this.path} cannot be read.`,
        { cause: error },
      );
    }
    const next = updateDotenv(text, {
      [suffixed("KITE_ACCESS_TOKEN", this.suffix)]: record.access_token,
      [suffixed("KITE_USER_ID", this.suffix)]: record.user_id,
    });
    try {
      await writeFileAtomic(this.path, next);
    } catch (error) {
      throw new KiteTokenError("STORE_FAILED", `The token could not be written to ${this.path}.`, {
        cause: error,
      });
    }
  }

  /** The file exists and can be rewritten (read, then replaced through its folder). */
  async probe(): Promise<string> {
    try {
      await access(this.path, constants.R_OK | constants.W_OK);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      throw new KiteTokenError(
        "STORE_FAILED",
        missing
          ? `The .env file ${this.path} does not exist; create it (it may be empty).`
          : `The .env file ${this.path} is not readable and writable.`,
        { cause: error },
      );
    }
    try {
      await probeFolder(path.dirname(this.path));
    } catch (error) {
      throw new KiteTokenError(
        "STORE_FAILED",
        `The folder of ${this.path} is not writable, so the file cannot be replaced atomically.`,
        { cause: error },
      );
    }
    return `${this.path} exists and is writable`;
  }
}
