import { spawn, type ChildProcess } from "node:child_process";

export interface LineChild {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line (from now on or already seen) that matches. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Runs a built script in its own Node process, collecting its stdout lines. */
export function startLineChild(
  script: string,
  env: Record<string, string>,
  cwd: string,
  args: string[] = [],
): LineChild {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  const waiters: Array<() => void> = [];
  let buffer = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    child,
    lines,
    waitFor: (match, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching line from ${script}; stdout: ${lines.join("|")}; stderr: ${stderr}`,
              ),
            ),
          timeoutMs,
        );
        const look = (): void => {
          const found = lines.find(match);
          if (found !== undefined) {
            clearTimeout(timer);
            resolve(found);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`${script} exited (${child.exitCode}): ${stderr}`));
          } else waiters.push(look);
        };
        child.once("exit", () => waiters.splice(0).forEach((wake) => wake()));
        look();
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
