import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import pino from "pino";
import { readToken, watchToken, type TokenRecord } from "../../src/index.js";
import { KiteApi } from "../../src/adapters/kite/api.js";
import { SecretRedactor } from "../../src/core/redact.js";
import { exchangeAndSave } from "../../src/pipeline/refresh.js";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { FileTokenStore } from "../../src/adapters/stores/file.js";
import { formatIst } from "../../src/core/time.js";
import { startLineChild } from "../helpers/child-lines.js";
import { CLI, runCli } from "../helpers/cli.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { tempDir } from "../helpers/setup.js";

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

/** One real exchange (request token over HTTP, exchange, verify) saved to `store`. */
async function exchangeOnce(store: FileTokenStore): Promise<TokenRecord> {
  const { token } = await requestTokenOverHttp(sim);
  return exchangeAndSave(token, {
    kite: new KiteApi({ apiKey: sim.app.apiKey, apiRoot: sim.apiRoot, timeoutMs: 5000 }),
    apiSecret: sim.app.apiSecret,
    userId: sim.account.userId,
    store,
    logger: pino({ level: "silent" }),
    redactor: new SecretRedactor(),
  });
}

function expiredCopy(record: TokenRecord): TokenRecord {
  return { ...record, expires_at: formatIst(new Date(Date.now() - 60_000)) };
}

describe("token delivery to bots", () => {
  it("a reader looping over the token file in another process never fails to parse it during 100 refreshes", async () => {
    const dir = tempDir();
    const file = path.join(dir, "token.json");
    const store = new FileTokenStore(file);
    await exchangeOnce(store);
    const script = path.join(import.meta.dirname, "..", "helpers", "read-loop.js");
    const reader = startLineChild(script, {}, dir, [file]);
    await reader.waitFor((l) => l === "ready");
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add((await exchangeOnce(store)).access_token);
    reader.child.kill("SIGTERM");
    const stats = JSON.parse(await reader.waitFor((l) => l.startsWith("{"))) as {
      reads: number;
      missing: number;
      failures: string[];
      tokens: number;
    };
    expect(seen.size).toBe(100);
    expect(stats.failures).toEqual([]);
    expect(stats.missing).toBe(0);
    expect(stats.reads).toBeGreaterThan(100);
    expect(stats.tokens).toBeGreaterThan(1); // it did read during the refreshes
  });

  it("readToken gives the saved token and refuses a missing or expired one with a typed error", async () => {
    const dir = tempDir();
    const file = path.join(dir, "token.json");
    const env = { TOKEN_FILE: file };
    await expect(readToken({ env, cwd: dir })).rejects.toMatchObject({ code: "TOKEN_MISSING" });
    const record = await exchangeOnce(new FileTokenStore(file));
    expect(await readToken({ env, cwd: dir })).toEqual(record);
    writeFileSync(file, JSON.stringify(expiredCopy(record)));
    await expect(
      readToken({ env: { TOKEN_STORES: `file:${file}` }, cwd: dir }),
    ).rejects.toMatchObject({
      code: "TOKEN_EXPIRED",
      message: expect.stringContaining("expired at"),
    });
  });

  it("watchToken on a file store reports each new token once", async () => {
    const dir = tempDir();
    const file = path.join(dir, "token.json");
    const store = new FileTokenStore(file);
    const got: string[] = [];
    const stop = await watchToken((r) => got.push(r.access_token), {
      env: { TOKEN_FILE: file },
      cwd: dir,
    });
    try {
      const first = await exchangeOnce(store);
      await waitUntil(() => got.length === 1);
      const second = await exchangeOnce(store);
      await waitUntil(() => got.length === 2);
      expect(got).toEqual([first.access_token, second.access_token]);
    } finally {
      await stop();
    }
  });

  it("kite-token token prints the token bare, as JSON or as shell assignments, and refuses an expired one", async () => {
    const dir = tempDir();
    const file = path.join(dir, "token.json");
    const record = await exchangeOnce(new FileTokenStore(file));
    const env = { TOKEN_FILE: file };
    const bare = await runCli(["token"], env, dir);
    expect(bare).toMatchObject({ code: 0, stdout: `${record.access_token}\n`, stderr: "" });
    const json = await runCli(["token", "--json"], env, dir);
    expect(JSON.parse(json.stdout)).toEqual(record);
    const shell = await runCli(["token", "--env"], env, dir);
    expect(shell.stdout).toBe(
      `export KITE_ACCESS_TOKEN='${record.access_token}'\nexport KITE_USER_ID='${record.user_id}'\nexport KITE_API_KEY='${record.api_key}'\n`,
    );
    // The README's recipe: a child of the shell that ran the eval (the bot) sees the token.
    const bot = spawnSync(
      "sh",
      [
        "-c",
        `eval "$("${process.execPath}" "${CLI}" token --env)"; sh -c 'printf %s "$KITE_ACCESS_TOKEN"'`,
      ],
      { cwd: dir, env: { PATH: process.env["PATH"] ?? "", HOME: dir, ...env }, encoding: "utf8" },
    );
    expect(bot.stdout).toBe(record.access_token);
    writeFileSync(file, JSON.stringify(expiredCopy(record)));
    const expired = await runCli(["token", "--env"], env, dir);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toBe("");
    expect(expired.stderr).toContain("TOKEN_EXPIRED");
    expect(expired.stderr).not.toContain(record.access_token);
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
