import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import module from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { expect } from "expect";
import { CLI } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";

const run = promisify(execFile);
/** Node 22.1 and later have the module compile cache; Node 20 has none. */
const hasCache =
  typeof (module as { enableCompileCache?: unknown }).enableCompileCache === "function";
const uid = process.getuid?.() ?? "user";

/** `kite-token status` (no token saved: nothing to ask Kite) with its temporary folder in `tmp`. */
async function status(tmp: string): Promise<void> {
  const dir = tempDir();
  await run(process.execPath, [CLI, "status"], {
    cwd: dir,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? "/tmp",
      TMPDIR: tmp,
      TOKEN_FILE: path.join(dir, "token.json"),
    },
  }).catch((error: { code?: number }) => {
    // No token saved: status says so and exits 1.
    if (error.code !== 1) throw error;
  });
}

describe("the module compile cache", () => {
  it(
    hasCache
      ? "a command leaves the compiled modules in a private folder of the user's, for the next one"
      : "Node 20: nothing is written (Node has no compile cache)",
    async () => {
      const tmp = tempDir();
      await status(tmp);
      const cache = path.join(tmp, `kite-token-${uid}`, "compile-cache");
      if (!hasCache) {
        expect(existsSync(cache)).toBe(false);
        return;
      }
      expect(statSync(cache).mode & 0o777).toBe(0o700);
      expect(statSync(path.dirname(cache)).mode & 0o777).toBe(0o700);
      const versions = readdirSync(cache);
      expect(versions).toHaveLength(1);
      // zod, commander, pino, the configuration and the command: well over a hundred files.
      expect(readdirSync(path.join(cache, versions[0]!)).length).toBeGreaterThan(100);
    },
  );

  it("is not used in a folder that others can write", { skip: !hasCache }, async () => {
    const tmp = tempDir();
    const root = path.join(tmp, `kite-token-${uid}`);
    mkdirSync(root);
    chmodSync(root, 0o777);
    await status(tmp);
    expect(readdirSync(root)).toEqual([]);
  });
});
