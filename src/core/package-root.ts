import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding this package's package.json (the source tree, dist/, or a build/ copy all find it). */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    if (
      existsSync(path.join(dir, "package.json")) &&
      existsSync(path.join(dir, "config", "default.json"))
    )
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error("kite-token: cannot find the package folder (package.json with config/)");
    dir = parent;
  }
}
