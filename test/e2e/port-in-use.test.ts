import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";

describe("a port already taken", () => {
  let taken: Server;
  let port = 0;
  before(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    port = typeof address === "object" && address ? address.port : 0;
  });
  after(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it("serve: PORT_IN_USE naming the port", async () => {
    const result = await runCli(["serve", "--port", String(port)], {}, tempDir());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^kite-token: PORT_IN_USE: Port ${port} is already in use \\(token console on 127\\.0\\.0\\.1:${port}\\)\\.`,
      ),
    );
  });

  it("simulator: PORT_IN_USE naming the port and the origin", async () => {
    const result = await runCli(
      ["simulator", "--login-port", "0", "--api-port", String(port)],
      {},
      tempDir(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `PORT_IN_USE: Port ${port} is already in use (simulator's API origin on 127.0.0.1:${port}).`,
    );
  });
});
