import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { packageRoot } from "../../src/core/package-root.js";
import { runProgram } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";

/**
 * A machine with no Chromium installed: the system's browsers hidden (a private mount
 * namespace, scripts/without-system-chromium.sh), `npm run demo` completes the browser
 * refresh with the Chromium `npm ci` brought, unpacked on the first run and found
 * unpacked on the next.
 */
const HIDE = path.join(packageRoot(), "scripts", "without-system-chromium.sh");
const CANNOT_HIDE = 77;

interface Run {
  code: number | null;
  out: string;
}

async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  { cwd = packageRoot(), timeoutMs = 150_000 } = {},
): Promise<Run> {
  const { code, stdout, stderr } = await runProgram(command, args, { cwd, env, timeoutMs });
  return { code, out: stdout + stderr };
}

/** A PATH holding only node and npm: the fallback where the browsers cannot be hidden. */
function bareBin(dir: string): string {
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, "node"));
  const npm = path.join(path.dirname(process.execPath), "npm");
  if (existsSync(npm)) symlinkSync(npm, path.join(bin, "npm"));
  return bin;
}

/** The environment of a user with no browser: a fresh TMPDIR, no Playwright browsers. */
function bareEnv(dir: string) {
  const tmp = path.join(dir, "tmp");
  mkdirSync(tmp);
  return {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    TMPDIR: tmp,
    // No browser of Playwright's own either, whatever this machine downloaded.
    PLAYWRIGHT_BROWSERS_PATH: path.join(dir, "no-playwright-browsers"),
  };
}

/**
 * npm's registry settings and the network's (proxies, CAs) as this process has them, so that the
 * clone's install reads the same cache entries; nothing of a browser in them.
 */
function npmSettings(): Record<string, string> {
  const kept =
    /^(npm_config_(registry|.+:registry|cafile|ca|proxy|https_proxy|noproxy|strict_ssl|userconfig|globalconfig)|https?_proxy|no_proxy|node_extra_ca_certs|ssl_cert_(file|dir))$/i;
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => kept.test(entry[0]) && entry[1] !== undefined,
    ),
  );
}

/** The cache this machine's npm uses, as this process's environment configures it. */
function npmCache(): string {
  return execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
}

describe("a machine without Chromium", { timeout: 360_000 }, () => {
  it("completes `npm run demo` with the bundled Chromium, unpacked once", async () => {
    const dir = tempDir("kt-bare-");
    const env = { ...bareEnv(dir), TOKEN_FILE: path.join(dir, "data", "token.json") };
    const tmp = env.TMPDIR;
    const demo = async (): Promise<Run> => {
      const hidden = await run("bash", [HIDE, "npm", "run", "demo"], env);
      if (hidden.code !== CANNOT_HIDE) return hidden;
      // Not root here: the same machine as seen through a PATH without the browsers.
      return run("npm", ["run", "demo"], { ...env, PATH: bareBin(dir) });
    };

    const first = await demo();
    expect({ code: first.code, out: first.out }).toMatchObject({ code: 0 });
    const executable = path.join(tmp, `kite-token-${process.getuid?.() ?? "user"}`);
    const line = /^Browser: (\S+) \(bundled: @sparticuz\/chromium from npm\)\.$/m.exec(first.out);
    expect(line?.[1]).toMatch(new RegExp(`^${executable}/chromium-\\d+\\.\\d+\\.\\d+/chromium$`));
    expect(first.out).toMatch(/^ {2}ok {4}log in .*\(browser\)$/m);
    expect(first.out).toContain("Token refreshed for DM1234");
    expect(existsSync(env.TOKEN_FILE)).toBe(true);
    const unpacked = statSync(line?.[1] ?? "");

    const second = await demo();
    expect({ code: second.code, out: second.out }).toMatchObject({ code: 0 });
    expect(second.out).toContain(`Browser: ${line?.[1]} (bundled`);
    // Found unpacked: the same file, not written again.
    const again = statSync(line?.[1] ?? "");
    expect(again.ino).toBe(unpacked.ino);
    expect(again.mtimeMs).toBe(unpacked.mtimeMs);
  });
  // npm installs the bundled Chromium (an optional dependency) on Node 22 and later only:
  // the engines the project supports. CI runs this file on Node 24 as well.
  const major = Number(process.versions.node.split(".")[0]);
  it(
    "a clean clone's `npm ci && npm run demo`, the README's first command, completes the browser refresh",
    {
      timeout: 600_000,
      skip:
        major < 22
          ? `Node ${process.version}: npm installs the bundled Chromium on Node 22+ only`
          : false,
    },
    async () => {
      const dir = tempDir("kt-bare-clone-");
      const clone = path.join(dir, "clone");
      // What is committed, as a new user gets it.
      execFileSync("git", ["clone", "--quiet", "--no-hardlinks", packageRoot(), clone]);
      // The packages come from the npm cache this machine's own `npm ci` filled, offline: a
      // registry out of reach fails this test in seconds (ENOTCACHED) instead of stalling it.
      const env = { ...bareEnv(dir), ...npmSettings(), npm_config_cache: npmCache() };
      const command = "npm ci --offline --no-audit --no-fund && npm run demo";
      const options = { cwd: clone, timeoutMs: 540_000 };
      let result = await run("bash", [HIDE, "bash", "-c", command], env, options);
      if (result.code === CANNOT_HIDE)
        result = await run("/bin/bash", ["-c", command], { ...env, PATH: bareBin(dir) }, options);
      expect({ code: result.code, out: result.out }).toMatchObject({ code: 0 });
      expect(result.out).toMatch(/^Browser: \S+ \(bundled: @sparticuz\/chromium from npm\)\.$/m);
      expect(result.out).toMatch(/^ {2}ok {4}log in .*\(browser\)$/m);
      expect(result.out).toContain("Token refreshed for DM1234");
      expect(existsSync(path.join(clone, "data", "token.json"))).toBe(true);
    },
  );
});
