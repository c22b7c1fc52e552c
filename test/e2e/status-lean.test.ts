import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { expect } from "expect";
import { isKiteTokenError } from "../../src/core/errors.js";
import { KiteApi } from "../../src/adapters/kite/api.js";
import type { Simulator, SimFailure } from "../../src/adapters/simulator/index.js";
import { CLI } from "../helpers/cli.js";
import { simulatorForFile } from "../helpers/fixture.js";
import { tempDir } from "../helpers/setup.js";
import { simEnv } from "../helpers/worker-process.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s));

const TRACE = fileURLToPath(new URL("../helpers/module-trace.js", import.meta.url));
const run = promisify(execFile);

describe("kite-token status loads no Kite client", { timeout: 120_000 }, () => {
  it("checks the saved token with Kite without loading kiteconnect, axios or undici's fetch", async () => {
    const dir = tempDir();
    const env = {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? "/tmp",
      ...simEnv(sim, dir, { LOGIN_STRATEGY: "http" }),
    };
    await run(process.execPath, [CLI, "refresh"], { cwd: dir, env });
    const trace = path.join(dir, "modules.txt");
    const { stdout } = await run(process.execPath, ["--import", TRACE, CLI, "status"], {
      cwd: dir,
      env: { ...env, MODULE_TRACE_FILE: trace },
    });
    expect(stdout).toMatch(/^valid: .*accepted by Kite\./m);
    expect(sim.counters.profileCalls).toBeGreaterThanOrEqual(2);
    const loaded = new Set(readFileSync(trace, "utf8").split("\n").filter(Boolean));
    // The trace does see what status loads (ESM and CommonJS alike)…
    expect(["zod", "commander", "pino"].filter((p) => !loaded.has(p))).toEqual([]);
    // …and none of the Kite client's HTTP stack.
    expect(
      ["kiteconnect", "axios", "follow-redirects", "form-data"].filter((p) => loaded.has(p)),
    ).toEqual([]);
  });
});

describe("the profile check on Node's own HTTP client answers as kiteconnect did", () => {
  const api = () => new KiteApi({ apiKey: sim.app.apiKey, apiRoot: sim.apiRoot, timeoutMs: 5000 });
  const failure = async (failing: SimFailure | undefined, root?: string) => {
    if (failing) sim.setScenario({ profileFailures: [failing] });
    const kite = root
      ? new KiteApi({ apiKey: sim.app.apiKey, apiRoot: root, timeoutMs: 5000 })
      : api();
    const error: unknown = await kite.verify("not-a-token").then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isKiteTokenError(error))
      throw new Error(`expected a KiteTokenError, got ${String(error)}`);
    return {
      code: error.code,
      type: error.kiteErrorType,
      kite: error.kiteMessage,
      message: error.message,
    };
  };

  it("a token Kite refuses: TOKEN_REJECTED with Kite's words", async () => {
    expect(await failure(undefined)).toEqual({
      code: "TOKEN_REJECTED",
      type: "TokenException",
      kite: "Incorrect `api_key` or `access_token`.",
      message: "Kite did not accept the access token.",
    });
  });

  it("Kite down (its JSON, a gateway's HTML, a 2xx that is not JSON, no answer): KITE_UNAVAILABLE", async () => {
    expect(await failure({ status: 500 })).toMatchObject({
      code: "KITE_UNAVAILABLE",
      type: "GeneralException",
    });
    expect(await failure({ status: 502, html: true })).toEqual({
      code: "KITE_UNAVAILABLE",
      type: "NetworkException",
      kite: "Bad Gateway",
      message: "Kite's API is unreachable or failing.",
    });
    expect(await failure({ status: 200, html: true })).toMatchObject({
      code: "KITE_UNAVAILABLE",
      type: "DataException",
      message: "Kite answered with something other than JSON (its API may be down).",
    });
    expect(await failure(undefined, "http://127.0.0.1:9")).toEqual({
      code: "KITE_UNAVAILABLE",
      type: "NetworkException",
      kite: "No response from server with error code: ECONNREFUSED",
      message: "Kite's API is unreachable or failing.",
    });
  });
});
