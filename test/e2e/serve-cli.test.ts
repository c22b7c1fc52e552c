import { describe, it } from "node:test";
import { expect } from "expect";
import { runCli, spawnCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { tempDir } from "../helpers/setup.js";
import { exited, until } from "../helpers/worker-process.js";

describe("kite-token serve as a command", () => {
  it("keeps serving when the reader of its output has gone (serve | head -1), then stops on SIGTERM", async () => {
    const port = await freePort();
    const child = spawnCli(["serve"], { PORT: String(port) }, tempDir());
    // The reader leaves before anything is printed: every line the console prints meets EPIPE.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const up = await until(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      20_000,
    );
    expect([up, stderr]).toEqual([true, ""]);
    expect(child.exitCode).toBeNull();
    child.kill("SIGTERM");
    expect(await exited(child)).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  });

  it("refuses an empty or malformed port and an empty host, naming them (exit 2)", async () => {
    const dir = tempDir();
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [["serve"], { PORT: "" }, /PORT must be a port number from 0 to 65535/],
      [["serve"], { PORT: "abc" }, /PORT 'abc' must be a port number/],
      [["serve", "--port", ""], {}, /option '--port <port>' argument '' is invalid/],
      [["serve", "--port", "abc"], {}, /option '--port <port>' argument 'abc' is invalid/],
      [["serve", "--port", "70000"], {}, /argument '70000' is invalid. It must be a port number/],
      [["serve", "--port", "1.5"], {}, /argument '1.5' is invalid/],
      [["serve", "--host", ""], {}, /option '--host <host>' argument '' is invalid/],
      [["simulator", "--login-port", "abc"], {}, /option '--login-port <port>' argument 'abc'/],
    ];
    for (const [args, env, said] of cases) {
      const result = await runCli(args, env, dir, 20_000);
      expect([args, env, result.code]).toEqual([args, env, 2]);
      expect(result.stderr).toMatch(said);
    }
  });
});
