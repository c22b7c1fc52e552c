/**
 * Writes what is generated from the settings table (src/config/settings.ts):
 * config/default.json, .env.example and docs/configuration.md. `npm run settings` writes
 * them; test/config/settings.test.ts fails when one of them is stale.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SETTING_GROUPS, SETTINGS, type Setting } from "../src/config/settings.js";

const all = Object.entries(SETTINGS) as [string, Setting][];

function wrap(text: string, width = 88): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const plain = (s: string) => s.replace(/`/g, "");

function defaultText(s: Setting): string | undefined {
  if (s.defaultDoc) return s.defaultDoc;
  return s.default === undefined ? undefined : `\`${s.default}\``;
}

export function defaultJson(): string {
  const defaults = Object.fromEntries(
    all.filter(([, s]) => s.default !== undefined).map(([name, s]) => [name, s.default]),
  );
  return `${JSON.stringify(defaults, null, 2)}\n`;
}

export function envExample(): string {
  const out = [
    "# kite-token configuration. Copy to .env (never commit .env) and fill in.",
    "# Every secret can instead be given as NAME_FILE=/path/to/file (Docker secrets).",
    "# Generated from src/config/settings.ts (`npm run settings`); every setting is in",
    "# docs/configuration.md.",
  ];
  for (const [group, title] of Object.entries(SETTING_GROUPS)) {
    out.push("", `# --- ${plain(title)} ${"-".repeat(Math.max(3, 84 - plain(title).length))}`);
    for (const [name, s] of all.filter(([, x]) => x.group === group)) {
      // The commented line shows a plain default; a derived one is said in words.
      const def = s.required ? " Required." : s.defaultDoc ? ` Default: ${s.defaultDoc}.` : "";
      const text = `${s.doc[0]!.toUpperCase()}${s.doc.slice(1)}${s.secret ? " (secret)" : ""}.${def}`;
      out.push(...wrap(plain(text)).map((l) => `# ${l}`));
      const value = s.example ?? s.default ?? "";
      out.push(s.required ? `${name}=` : `# ${name}=${value}`);
    }
  }
  return `${out.join("\n")}\n`;
}

export function configurationDoc(): string {
  const out = [
    "# Configuration",
    "",
    "<!-- Generated from src/config/settings.ts by `npm run settings`: edit there. -->",
    "",
    "Read once at start, from (later wins) `config/default.json`, a `.env` file in the working",
    "directory (or the file named by `ENV_FILE`), and the environment. Every secret can also be",
    "given as `NAME_FILE=/path/to/file` (Docker and Compose secrets); the file's trailing newline",
    "is dropped. Every problem is listed at once, by variable name, and a secret's value is",
    "never echoed back. A command only asks for what it needs of the `KITE_*` credentials",
    "(`status` none, `login-url` only the API key, `exchange` the API key and secret); an",
    "accounts file is read whole, so every account in it must be complete for any command.",
    "`.env.example` lists the same settings, ready to fill in.",
  ];
  for (const [group, title] of Object.entries(SETTING_GROUPS)) {
    out.push("", `## ${title}`, "", "| variable | meaning | default |", "| --- | --- | --- |");
    for (const [name, s] of all.filter(([, x]) => x.group === group)) {
      const meaning = `${s.doc}${s.secret ? " (secret)" : ""}`.replace(/\|/g, "\\|");
      out.push(`| \`${name}\` | ${meaning} | ${defaultText(s) ?? "—"} |`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** Each generated file, by its path from the repository's root. */
export function generatedFiles(): Record<string, string> {
  return {
    "config/default.json": defaultJson(),
    ".env.example": envExample(),
    "docs/configuration.md": configurationDoc(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  for (const [file, content] of Object.entries(generatedFiles())) {
    writeFileSync(path.join(root, file), content);
    console.log(`wrote ${file}`);
  }
}
