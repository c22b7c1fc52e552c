import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import pino from "pino";
import { createApp } from "../../src/runner/app.js";
import { loadConfig } from "../../src/config/load.js";
import type { WriteReport } from "../../src/adapters/stores/composite.js";
import { freshRecord } from "../helpers/records.js";
import { startFakeGithub, type FakeGithub } from "../helpers/github-api.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { tempDir } from "../helpers/setup.js";

const GH_TOKEN = "ghp_compositetoken12345";
let github: FakeGithub;
let redis: TestRedis;
before(async () => {
  github = await startFakeGithub({ owner: "trader", repo: "bot", token: GH_TOKEN });
  redis = await startRedis();
});
after(async () => {
  await github.close();
  await redis.stop();
});

const record = freshRecord("composite-token-0123456");

function appFor(stores: string, cwd: string, reports: WriteReport[]) {
  const config = loadConfig({
    env: { TOKEN_STORES: stores, GITHUB_TOKEN: GH_TOKEN, GITHUB_API_URL: github.apiUrl },
    cwd,
  });
  return createApp(config, {
    logger: pino({ level: "silent" }),
    onStoreWrite: (r) => reports.push(r),
  });
}

describe("several token stores", () => {
  it("writes the primary, then every secondary, retrying one that fails for a while", async () => {
    const dir = tempDir();
    const envFile = path.join(dir, "bot.env");
    writeFileSync(envFile, "# bot\nKITE_ACCESS_TOKEN=old\n");
    const reports: WriteReport[] = [];
    const app = appFor(
      `file:${dir}/token.json,dotenv:${envFile},${redis.url},github:trader/bot`,
      dir,
      reports,
    );
    github.failNext.push(502); // GitHub hiccups once
    try {
      await app.store.write(record);
      expect(await app.store.read()).toEqual(record);
    } finally {
      await app.close();
    }
    expect(readFileSync(envFile, "utf8")).toBe(
      "# bot\nKITE_ACCESS_TOKEN=composite-token-0123456\nKITE_USER_ID=AB1234\n",
    );
    expect(github.secrets.get("KITE_ACCESS_TOKEN")).toBe(record.access_token);
    expect(reports).toEqual([
      {
        primary: `file:${dir}/token.json`,
        secondaries: [
          { store: `dotenv:${envFile}`, ok: true, attempts: 1 },
          { store: redis.url, ok: true, attempts: 1 },
          { store: "github:trader/bot", ok: true, attempts: 2 },
        ],
      },
    ]);
  });

  it("reports a secondary that keeps failing, without undoing the others", async () => {
    const dir = tempDir();
    const reports: WriteReport[] = [];
    const app = appFor(
      `file:${dir}/token.json,dotenv:${dir}/missing.env,${redis.url}`,
      dir,
      reports,
    );
    try {
      await app.store.write(record); // does not throw: the primary has the token
      expect(await app.store.read()).toEqual(record);
    } finally {
      await app.close();
    }
    const [report] = reports;
    expect(report?.secondaries.map((s) => [s.store, s.ok, s.attempts])).toEqual([
      [`dotenv:${dir}/missing.env`, false, 3],
      [redis.url, true, 1],
    ]);
    expect(report?.secondaries[0]?.error).toMatchObject({ code: "STORE_FAILED" });
  });

  it("fails the write with STORE_FAILED when the primary fails, delivering nothing", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "not-a-folder"), "");
    const envFile = path.join(dir, "bot.env");
    writeFileSync(envFile, "KITE_ACCESS_TOKEN=old\n");
    const reports: WriteReport[] = [];
    const app = appFor(`file:${dir}/not-a-folder/token.json,dotenv:${envFile}`, dir, reports);
    try {
      await expect(app.store.write(record)).rejects.toMatchObject({ code: "STORE_FAILED" });
    } finally {
      await app.close();
    }
    expect(readFileSync(envFile, "utf8")).toBe("KITE_ACCESS_TOKEN=old\n");
    expect(reports).toEqual([]);
  });
});
