import { describe, it } from "node:test";
import { expect } from "expect";
import { runProgram } from "../helpers/cli.js";
import { isRunning } from "../helpers/processes.js";

/** Whether `pid` is gone within 2 s (a SIGKILL is delivered, not waited for). */
async function goneSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 40 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isRunning(pid);
}

/** The suite's own program runner: a stalled program must fail its test, not hang the suite. */
describe("runProgram", () => {
  it("kills the whole group of a program past its time, grandchildren holding its output included", async () => {
    // The shell starts a grandchild that keeps stdout open, prints its pid, and waits.
    const script = "sleep 300 & echo $!; wait";
    const result = await runProgram("/bin/sh", ["-c", script], {
      env: { PATH: process.env["PATH"] ?? "" },
      cwd: "/",
      timeoutMs: 500,
    });
    expect(result.code).toBeNull();
    expect(result.stderr).toContain("killed after 500 ms");
    expect(result.ms).toBeLessThan(10_000);
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(await goneSoon(grandchild)).toBe(true);
  });

  it("returns soon after the program exits though a descendant still holds its output", async () => {
    const result = await runProgram("/bin/sh", ["-c", "sleep 300 & echo $!; exit 3"], {
      env: { PATH: process.env["PATH"] ?? "" },
      cwd: "/",
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(3);
    expect(result.ms).toBeLessThan(15_000);
    expect(await goneSoon(Number(result.stdout.trim()))).toBe(true);
  });
});
