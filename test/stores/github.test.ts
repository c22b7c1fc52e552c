import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { GithubSecretsSink } from "../../src/adapters/stores/github.js";
import { freshRecord } from "../helpers/records.js";
import { startFakeGithub, type FakeGithub } from "../helpers/github-api.js";

const TOKEN = "ghp_testtoken0123456789";
let github: FakeGithub;
before(async () => {
  github = await startFakeGithub({ owner: "trader", repo: "bot", token: TOKEN });
});
after(() => github.close());

const record = freshRecord("gh-delivered-token-0123");

describe("GitHub Actions secrets store", () => {
  it("seals KITE_ACCESS_TOKEN and KITE_USER_ID to the repository's public key", async () => {
    const sink = new GithubSecretsSink({
      owner: "trader",
      repo: "bot",
      token: TOKEN,
      apiUrl: github.apiUrl,
      timeoutMs: 5000,
    });
    await sink.write(record);
    expect(Object.fromEntries(github.secrets)).toEqual({
      KITE_ACCESS_TOKEN: "gh-delivered-token-0123",
      KITE_USER_ID: "AB1234",
    });
    expect(github.requests).toEqual([
      "GET /api/v3/repos/trader/bot/actions/secrets/public-key",
      "PUT /api/v3/repos/trader/bot/actions/secrets/KITE_ACCESS_TOKEN",
      "PUT /api/v3/repos/trader/bot/actions/secrets/KITE_USER_ID",
    ]);
    expect(sink.name).toBe("github:trader/bot");
  });

  it("reports a refused GITHUB_TOKEN as STORE_FAILED with the status, never the token", async () => {
    const sink = new GithubSecretsSink({
      owner: "trader",
      repo: "bot",
      token: "ghp_wrongtoken987654321",
      apiUrl: github.apiUrl,
      timeoutMs: 5000,
    });
    const error = await sink.write(record).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "STORE_FAILED", status: 401, retryable: false });
    expect((error as Error).message).toContain("Check GITHUB_TOKEN");
    expect((error as Error).message).not.toContain("ghp_wrongtoken");
  });
});
