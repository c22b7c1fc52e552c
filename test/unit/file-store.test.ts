import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { FileTokenStore } from "../../src/adapters/stores/file.js";
import { tokenRecordFrom } from "../../src/adapters/stores/record.js";
import { parseKiteIstTime } from "../../src/core/time.js";

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

  it("names each read failure's own cause and fix, never the folder's writability", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kt-store-"));
    // A token file that cannot be read (here a folder in its place: as root, permissions
    // cannot make a file unreadable).
    const folder = path.join(dir, "token.json");
    mkdirSync(folder);
    const unreadable = await new FileTokenStore(folder).read().catch((e: unknown) => e);
    expect(unreadable).toMatchObject({
      code: "STORE_FAILED",
      message: `The token file ${folder} cannot be read: illegal operation on a directory (EISDIR).`,
      hint: "Check the file's owner and permissions: kite-token reads and writes it as the user it runs as.",
    });
    writeFileSync(path.join(dir, "bad.json"), "{not json");
    const corrupt = await new FileTokenStore(path.join(dir, "bad.json")).read().catch((e) => e);
    expect(corrupt).toMatchObject({
      code: "STORE_FAILED",
      hint: expect.stringMatching(/^Move it aside/),
    });
    for (const error of [unreadable, corrupt])
      expect((error as { hint: string }).hint).not.toMatch(/writable/);
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

  it("writes through a symlinked token file (a chain of links): the bot reading the target gets the new token", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kt-store-"));
    mkdirSync(path.join(dir, "bot"));
    const target = path.join(dir, "bot", "kite.json");
    const store = new FileTokenStore(target);
    await store.write(tokenRecordFrom(session, new Date()));
    // data/token.json -> ../middle.json -> (absolute) bot/kite.json
    mkdirSync(path.join(dir, "data"));
    symlinkSync(target, path.join(dir, "middle.json"));
    const link = path.join(dir, "data", "token.json");
    symlinkSync(path.join("..", "middle.json"), link);
    const viaLink = new FileTokenStore(link);
    await viaLink.write(
      tokenRecordFrom({ ...session, accessToken: "through-the-link" }, new Date()),
    );
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(path.join("..", "middle.json"));
    expect(lstatSync(path.join(dir, "middle.json")).isSymbolicLink()).toBe(true);
    expect(
      (JSON.parse(readFileSync(target, "utf8")) as { access_token: string }).access_token,
    ).toBe("through-the-link");
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.join(dir, "bot"))).toEqual(["kite.json"]);
    expect(readdirSync(path.join(dir, "data"))).toEqual(["token.json"]);
    expect(await viaLink.probe()).toBe(`folder ${path.join(dir, "bot")} writable`);
  });

  it("writes a dangling link's target (the file the link names is created)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kt-store-"));
    const link = path.join(dir, "token.json");
    symlinkSync("real.json", link);
    await new FileTokenStore(link).write(tokenRecordFrom(session, new Date()));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(path.join(dir, "real.json")).isFile()).toBe(true);
  });
});
