import { lstatSync, mkdirSync } from "node:fs";
import module from "node:module";
import os from "node:os";
import path from "node:path";

/**
 * Node's module compile cache (Node 22.1 and later; Node 20 has none and is left as it is):
 * the V8 code of every module loaded after this call is kept on disk and reused by the
 * next process, which then skips compiling zod, pino, commander, Playwright and our own
 * files. Called first thing by the CLI and by the login host. Kept in a folder of this
 * user's own in the OS temporary folder (0700, checked: not a link, not another user's,
 * not writable by others), never in a shared one where another local user could plant
 * code. NODE_COMPILE_CACHE, when set, is Node's own and wins; NODE_DISABLE_COMPILE_CACHE
 * turns it off. Any problem only means no cache.
 */
export function enableCompileCache(tmp: string = os.tmpdir()): string | undefined {
  const enable = (module as { enableCompileCache?: (dir?: string) => { directory?: string } })
    .enableCompileCache;
  if (typeof enable !== "function") return undefined;
  if (process.env["NODE_DISABLE_COMPILE_CACHE"] || process.env["NODE_COMPILE_CACHE"]) {
    return undefined;
  }
  try {
    const root = path.join(tmp, `kite-token-${process.getuid?.() ?? "user"}`);
    const dir = path.join(root, "compile-cache");
    for (const folder of [root, dir]) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const info = lstatSync(folder);
      const uid = process.getuid?.();
      if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) return undefined;
      if ((info.mode & 0o022) !== 0) return undefined;
    }
    return enable(dir).directory;
  } catch {
    return undefined;
  }
}
