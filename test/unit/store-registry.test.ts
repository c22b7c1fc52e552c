import { describe, it } from "node:test";
import { expect } from "expect";
import { loadConfig } from "../../src/config/load.js";
import { parseStoreList, redisDisplayName } from "../../src/config/store-spec.js";
import { tempDir } from "../helpers/setup.js";

const load = (env: Record<string, string>) => loadConfig({ env, cwd: tempDir() });

describe("TOKEN_STORES", () => {
  it("parses each kind of entry, primary first", () => {
    expect(
      parseStoreList(
        "file:data/token.json, dotenv:../bot/.env,redis://:pw@10.0.0.5:6380/2,github:me/bot",
      ),
    ).toEqual([
      { kind: "file", path: "data/token.json" },
      { kind: "dotenv", path: "../bot/.env" },
      { kind: "redis", url: "redis://:pw@10.0.0.5:6380/2" },
      { kind: "github", owner: "me", repo: "bot" },
    ]);
  });

  it("defaults to the TOKEN_FILE shorthand", () => {
    expect(load({}).delivery.stores).toEqual([{ kind: "file", path: "data/token.json" }]);
    expect(load({ TOKEN_FILE: "/srv/t.json" }).delivery.stores).toEqual([
      { kind: "file", path: "/srv/t.json" },
    ]);
    expect(load({ TOKEN_STORES: "redis://127.0.0.1:6379" }).delivery.stores).toEqual([
      { kind: "redis", url: "redis://127.0.0.1:6379" },
    ]);
  });

  it("lists every problem by variable, without echoing a Redis password", () => {
    let message = "";
    try {
      load({ TOKEN_STORES: "dotenv:.env,file:x", GITHUB_API_URL: "nope" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      "TOKEN_STORES 'dotenv:.env,file:x' starts with a dotenv store, which cannot be read back",
    );
    expect(message).toContain("GITHUB_API_URL 'nope' must be an http(s) URL");
    expect(() => load({ TOKEN_STORES: "s3:bucket" })).toThrow(
      /TOKEN_STORES "s3:bucket" is not a store/,
    );
    expect(() => load({ TOKEN_STORES: "file:x,github:onlyowner" })).toThrow(/github:OWNER\/REPO/);
    expect(() => load({ TOKEN_STORES: "file:x,github:me/bot" })).toThrow(
      /GITHUB_TOKEN is required by the github:me\/bot store/,
    );
    expect(redisDisplayName("redis://user:s3cret@host:6379/0")).toBe("redis://host:6379/0");
  });
});
