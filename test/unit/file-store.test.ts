import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { FileTokenStore } from "../../src/stores/file.js";
import { tokenRecordFrom } from "../../src/stores/record.js";
import { parseKiteIstTime } from "../../src/time.js";

const session = {
  accessToken: "accesstoken1234567890",
  publicToken: "publictoken",
  userId: "AB1234",
  userName: "A Trader",
  apiKey: "key",
  loginTime: parseKiteIstTime("2026-11-24 08:30:05")!,
};

describe("FileTokenStore", () => {
  it("writes the token JSON with mode 0600 in a 0700 folder it creates, and reads it back", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "kt-store-")), "nested", "data");
    const store = new FileTokenStore(path.join(dir, "token.json"));
    const record = tokenRecordFrom(session, new Date("2026-11-24T03:00:06Z"));
    await store.write(record);
    expect(statSync(path.join(dir, "token.json")).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(["token.json"]); // no temporary file left behind
    expect(await store.read()).toEqual(record);
    expect(record).toEqual({
      access_token: "accesstoken1234567890",
      public_token: "publictoken",
      user_id: "AB1234",
      user_name: "A Trader",
      api_key: "key",
      login_time: "2026-11-24T08:30:05+05:30",
      expires_at: "2026-11-25T06:00:00+05:30",
      saved_at: "2026-11-24T08:30:06+05:30",
    });
  });

  it("reports a missing file as no token, and a corrupt one as a store failure", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kt-store-"));
    expect(await new FileTokenStore(path.join(dir, "none.json")).read()).toBeUndefined();
    writeFileSync(path.join(dir, "bad.json"), "{not json");
    await expect(new FileTokenStore(path.join(dir, "bad.json")).read()).rejects.toMatchObject({
      code: "STORE_FAILED",
    });
    writeFileSync(path.join(dir, "partial.json"), JSON.stringify({ access_token: "x" }));
    await expect(new FileTokenStore(path.join(dir, "partial.json")).read()).rejects.toThrow(
      /user_id/,
    );
  });

  it("replaces an existing token atomically", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kt-store-"));
    const store = new FileTokenStore(path.join(dir, "token.json"));
    await store.write(tokenRecordFrom(session, new Date()));
    await store.write(
      tokenRecordFrom({ ...session, accessToken: "second-token-value" }, new Date()),
    );
    expect((await store.read())?.access_token).toBe("second-token-value");
    expect(readdirSync(dir)).toEqual(["token.json"]);
  });
});
