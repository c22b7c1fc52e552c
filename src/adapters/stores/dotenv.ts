import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { causeText, KiteTokenError } from "../../core/errors.js";
import { probeFileFolder, writeFailure, writeFileAtomic } from "./file.js";
import type { TokenRecord } from "./record.js";
import type { TokenSink } from "./types.js";

/**
 * dotenv's own line rule (dotenv 17-18 `parse`, its default): an assignment at the start
 * of a line, `export` optional, `=` or `: `, then a single-, double- or back-quoted value
 * (which may span lines), or a bare one up to a `#` comment. Run over the text with its
 * line ends made `\n`, as dotenv does; a match resumes after the previous one, so a line
 * inside a quoted value (a certificate's) is never taken for an assignment.
 */
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/** A value as `.env` parsers read it back: bare when plain, double-quoted otherwise. */
function dotenvValue(value: string, quote: string | undefined): string {
  if (quote && !value.includes(quote) && !/[\r\n\\]/.test(value)) return `${quote}${value}${quote}`;
  return /^[A-Za-z0-9_.:@/+-]*$/.test(value) ? value : JSON.stringify(value);
}

/** Where one assignment's value is in the original text: [start, end), and its quote. */
interface ValueSpan {
  name: string;
  start: number;
  end: number;
  quote: string | undefined;
}

/**
 * Each assignment's value as dotenv reads the text, located in the text as it is (its
 * line ends unchanged): dotenv turns `\r\n` and a lone `\r` into `\n` before parsing,
 * so positions are mapped back through that change.
 */
function assignments(text: string): ValueSpan[] {
  const original: number[] = [];
  let normalized = "";
  for (let i = 0; i < text.length; i += 1) {
    original.push(i);
    if (text[i] === "\r") {
      normalized += "\n";
      if (text[i + 1] === "\n") i += 1;
    } else {
      normalized += text[i];
    }
  }
  original.push(text.length);
  const spans: ValueSpan[] = [];
  DOTENV_LINE.lastIndex = 0;
  for (let match; (match = DOTENV_LINE.exec(normalized)) !== null;) {
    if (match[0] === "") {
      DOTENV_LINE.lastIndex += 1;
      continue;
    }
    const name = match[1] ?? "";
    const exported = /^\s*(?:export\s+)?/.exec(match[0])?.[0] ?? "";
    const prefix = match[0].startsWith(name, exported.length)
      ? exported
      : (/^\s*/.exec(match[0])?.[0] ?? "");
    const head = prefix.length + name.length;
    const separator = /^(?:\s*=|:\s)/.exec(match[0].slice(head))?.[0].length ?? 1;
    const from = match.index + head + separator;
    // The value's own characters: the group without its surrounding whitespace (none: empty).
    const value = match[2] ?? "";
    const lead = value.length - value.trimStart().length;
    const body = value.trim();
    const at = from + lead;
    const quote = /^(['"`])[\s\S]*\1$/.test(body) ? body[0] : undefined;
    spans.push({
      name,
      start: original[at]!,
      end: original[at + body.length]!,
      quote,
    });
  }
  return spans;
}

/**
 * `.env` text with the given variables set, the file parsed as dotenv parses it: each
 * assignment of one of them gets the new value (its quotes kept when the value allows),
 * and nothing else changes, byte for byte: its `export`, spacing, inline comment, the
 * lines inside other quoted values, every line end as it was (LF, CRLF, mixed).
 * Variables the file does not assign yet are appended at the end, with its line end.
 */
export function updateDotenv(text: string, values: Readonly<Record<string, string>>): string {
  const seen = new Set<string>();
  let updated = "";
  let done = 0;
  for (const span of assignments(text)) {
    if (!Object.hasOwn(values, span.name)) continue;
    seen.add(span.name);
    updated += text.slice(done, span.start) + dotenvValue(values[span.name] ?? "", span.quote);
    done = span.end;
  }
  updated += text.slice(done);
  const missing = Object.keys(values).filter((name) => !seen.has(name));
  if (missing.length === 0) return updated;
  const eol = /\r\n|\n|\r/g.exec(text)?.[0] ?? "\n";
  const last = /(\r\n|\n|\r)$/.exec(updated);
  const lines = missing.map((name) => `${name}=${dotenvValue(values[name] ?? "", undefined)}`);
  // Keep the file's final newline (or its absence) after the appended lines.
  if (updated === "") return `${lines.join(eol)}${eol}`;
  if (last) return `${updated}${lines.join(last[1])}${last[1]}`;
  return `${updated}${eol}${lines.join(eol)}`;
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
      // Byte for byte: latin1 maps each byte to one character and back (a BOM, any
      // encoding, invalid UTF-8 all come back as they were); the names and values are ASCII.
      text = await readFile(this.path, "latin1");
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      throw new KiteTokenError(
        "STORE_FAILED",
        missing
          ? `The .env file ${this.path} does not exist; create it (it may be empty) so the token can be written into it.`
          : `The .env file ${this.path} cannot be read: ${causeText(error)}.`,
        { cause: error },
      );
    }
    const next = updateDotenv(text, {
      [suffixed("KITE_ACCESS_TOKEN", this.suffix)]: record.access_token,
      [suffixed("KITE_USER_ID", this.suffix)]: record.user_id,
    });
    try {
      await writeFileAtomic(this.path, next, "latin1");
    } catch (error) {
      throw writeFailure(this.path, error);
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
          : `The .env file ${this.path} is not readable and writable: ${causeText(error)}.`,
        { cause: error },
      );
    }
    // Replaced through its folder (its target's, when it is a link): that folder must take a file.
    await probeFileFolder(this.path, this.name);
    return `${this.path} exists and is writable`;
  }
}
