import { spawn, type ChildProcessByStdio, type StdioOptions } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import path from "node:path";
import { packageRoot } from "../../src/core/package-root.js";
import { descendantsOf } from "./processes.js";

/** The built CLI, as users run it (npm test builds it first). */
export const CLI = path.join(packageRoot(), "dist", "cli", "main.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Only the given variables, plus PATH, HOME and BROWSER_PATH: the environment a test gives the CLI. */
export function cliEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
    ...env,
  };
}

/** Starts the built CLI with only the given variables (plus PATH, HOME and BROWSER_PATH), in `cwd`. */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  stdio: StdioOptions = ["ignore", "pipe", "pipe"],
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: cliEnv(env),
    stdio,
  }) as ChildProcessByStdio<null, Readable, Readable>;
}

/** Runs the built CLI with only the given variables (plus PATH and HOME), in `cwd`. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return collected(spawnCli(args, env, cwd), timeoutMs);
}

/**
 * Runs a program with exactly `env`, in `cwd`, in a process group of its own: after `timeoutMs`
 * the whole group is killed (a grandchild holding the output open cannot keep the test waiting).
 */
export function runProgram(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): Promise<CliResult> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  }) as ChildProcessByStdio<null, Readable, Readable>;
  return collected(child, options.timeoutMs, true);
}

/** How long output is still read once the child has exited (a descendant may hold it open). */
const AFTER_EXIT_MS = 5_000;

function collected(
  child: ChildProcessByStdio<null, Readable, Readable>,
  timeoutMs: number,
  group = false,
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let killed = false;
    let settled = false;
    let afterExit: NodeJS.Timeout | undefined;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const kill = (): void => {
      try {
        if (group && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      killed = true;
      kill();
    }, timeoutMs);
    const settle = (code: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(afterExit);
      const note = killed ? `\n[test helper: killed after ${timeoutMs} ms]\n` : "";
      resolve({ code, stdout, stderr: stderr + note, ms: Date.now() - started });
    };
    child.on("error", reject);
    child.on("exit", (code) => {
      afterExit = setTimeout(() => {
        // Whatever still holds the output open is not waited for.
        if (group) kill();
        child.stdout.destroy();
        child.stderr.destroy();
        settle(code);
      }, AFTER_EXIT_MS);
    });
    child.on("close", (code) => settle(code));
  });
}

/** A descendant of a watched run, as /proc showed it while it ran. */
export interface Seen {
  cmdline: string;
  environ: string;
}

/** Runs the CLI, reading every descendant's command line and environment until it exits. */
export async function watchedCliRun(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  /** Told the CLI's pid as soon as it is spawned. */
  onSpawn?: (pid: number) => void,
): Promise<{ code: number | null; stdout: string; stderr: string; seen: Map<number, Seen> }> {
  const child = spawnCli(args, env, cwd);
  onSpawn?.(child.pid ?? 0);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const seen = new Map<number, Seen>();
  const look = (): void => {
    for (const pid of descendantsOf(child.pid ?? 0)) {
      try {
        seen.set(pid, {
          cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "),
          environ: readFileSync(`/proc/${pid}/environ`, "utf8"),
        });
      } catch {
        // Ended while we looked.
      }
    }
  };
  const timer = setInterval(look, 30);
  look();
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearInterval(timer);
  return { code, stdout, stderr, seen };
}
