/**
 * Preloaded with `node --import <this file>` in a process under test: records the
 * packages that process loads. ES modules are seen by a resolve hook as they load;
 * CommonJS ones are read from `require.cache` when the process gets SIGUSR2 and when it
 * exits. Both go to MODULE_TRACE_FILE, one package name per line.
 */
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const file = process.env["MODULE_TRACE_FILE"];

const hooks = `
import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(resolved.url);
  if (match) appendFileSync(file, match[1] + "\\n");
  return resolved;
}`;

/** The package a module path belongs to (the last node_modules folder in it). */
export function packageOf(file: string): string | undefined {
  const parts = file.split("/node_modules/");
  if (parts.length < 2) return undefined;
  const rest = parts[parts.length - 1]!.split("/");
  return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
}

if (file) {
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { file } });
  const require = createRequire(import.meta.url);
  const dump = (): void => {
    const names = Object.keys(require.cache).map(packageOf).filter(Boolean);
    appendFileSync(file, `${[...new Set(names)].join("\n")}\n`);
  };
  process.on("SIGUSR2", dump);
  process.on("exit", dump);
}
