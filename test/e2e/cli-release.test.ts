import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { packageRoot } from "../../src/core/package-root.js";
import { CLI, runCli } from "../helpers/cli.js";
import { isRunning } from "../helpers/processes.js";
import { tempDir } from "../helpers/setup.js";
import { exited, until } from "../helpers/worker-process.js";

/** What a release looks like: its version, and output that survives a reader going away. */

const STACK = /EPIPE|Unhandled 'error'|^\s+at /m;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

function env(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "",
    HOME: dir,
    TOKEN_FILE: path.join(dir, "data", "token.json"),
    ...extra,
  };
}

/** Runs the CLI with its stdout a pipe whose reader is gone before the first line. */
function withClosedStdout(args: string[], vars: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: vars,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return { child, stderr: () => stderr };
}

describe("a release", { timeout: 120_000 }, () => {
  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(
      readFileSync(path.join(packageRoot(), "package.json"), "utf8"),
    ) as { version: string };
    const dir = tempDir("kt-version-");
    const result = await runCli(["--version"], env(dir), dir);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
    expect((await runCli(["--help"], env(dir), dir)).stdout).toMatch(
      /--version +print the version/,
    );
  });

  it("`status | head -1` prints the first line and no stack trace", async () => {
    const dir = tempDir("kt-pipe-status-");
    const shell = spawn(
      "bash",
      [
        "-c",
        `"$0" "$1" status | head -1; echo "status exit \${PIPESTATUS[0]}" >&2`,
        process.execPath,
        CLI,
      ],
      { cwd: dir, env: env(dir), stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    shell.stdout.on("data", (c: Buffer) => (out += c.toString()));
    shell.stderr.on("data", (c: Buffer) => (err += c.toString()));
    await exited(shell);
    expect(out).toMatch(/^missing: no token saved at .*\n$/);
    expect(err).not.toMatch(STACK);
    // Its own exit code (1: no token), not a crash's.
    expect(err).toContain("status exit 1");

    // The reader gone before the first line: the same, every time.
    const closed = withClosedStdout(["status"], env(dir), dir);
    const code = await new Promise<number | null>((resolve) => closed.child.on("close", resolve));
    expect(closed.stderr()).not.toMatch(STACK);
    expect(code).toBe(1);
  });

  it("`serve` goes on serving when its stdout's reader is gone", async () => {
    const dir = tempDir("kt-pipe-serve-");
    const port = await freePort();
    const serve = withClosedStdout(["serve", "--port", String(port)], env(dir), dir);
    let answered = 0;
    await until(async () => {
      answered = await fetch(`http://127.0.0.1:${port}/api/token/status`)
        .then((r) => r.status)
        .catch(() => 0);
      return answered !== 0 || serve.child.exitCode !== null;
    }, 30_000);
    expect({ exit: serve.child.exitCode, stderr: serve.stderr() }).toEqual({
      exit: null,
      stderr: expect.not.stringMatching(STACK),
    });
    expect(answered).toBe(200);
    // Both of its lines were written by now (into the closed pipe): still serving.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(isRunning(serve.child.pid ?? 0)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/api/token/status`)).status).toBe(200);
    serve.child.kill("SIGTERM");
    await exited(serve.child);
    expect(serve.child.exitCode).toBe(0);
    expect(serve.stderr()).not.toMatch(STACK);
  });
});
