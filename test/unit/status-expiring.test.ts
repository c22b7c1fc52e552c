import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { isUsable, tokenStatus } from "../../src/pipeline/status.js";
import { FileTokenStore } from "../../src/adapters/stores/file.js";
import { tempDir } from "../helpers/setup.js";

const record = {
  access_token: "access-token-value",
  public_token: "public-token-value",
  user_id: "AB1234",
  user_name: "A Trader",
  api_key: "key123",
  login_time: "2026-11-23T08:30:05+05:30",
  expires_at: "2026-11-24T06:00:00+05:30",
  saved_at: "2026-11-23T08:30:06+05:30",
};

describe("token status", () => {
  it("reports valid, expiring within the hour, then expired", async () => {
    const store = new FileTokenStore(path.join(tempDir(), "token.json"));
    await store.write(record);
    const at = (iso: string) => tokenStatus(store, undefined, new Date(iso));
    expect((await at("2026-11-24T04:59:59+05:30")).state).toBe("valid");
    const expiring = await at("2026-11-24T05:30:00+05:30");
    expect(expiring).toMatchObject({ state: "expiring", msLeft: 30 * 60_000 });
    expect((await at("2026-11-24T06:00:00+05:30")).state).toBe("expired");
    expect(isUsable("expiring")).toBe(true);
    expect(isUsable("expired")).toBe(false);
  });
});
