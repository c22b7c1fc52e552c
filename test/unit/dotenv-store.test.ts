import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "dotenv";
import { expect } from "expect";
import { DotenvTokenSink, updateDotenv } from "../../src/adapters/stores/dotenv.js";
import { tokenRecordFrom } from "../../src/adapters/stores/record.js";
import { parseKiteIstTime } from "../../src/core/time.js";
import { seeded } from "../helpers/seeded.js";
import { tempDir } from "../helpers/setup.js";

const record = tokenRecordFrom(
  {
    accessToken: "newtoken0123456789abcdef",
    publicToken: "pub",
    userId: "AB1234",
    userName: "A Trader",
    apiKey: "key",
    loginTime: parseKiteIstTime("2026-11-24 08:30:05")!,
  },
  new Date("2026-11-24T03:00:06Z"),
);

const ENV = [
  "# My bot's settings",
  "",
  "BROKER=zerodha",
  "export KITE_ACCESS_TOKEN=oldtoken",
  "  # indented comment with KITE_USER_ID=XX0000 inside",
  'STRATEGY_NAME="mean reversion"  # trailing comment',
  "",
  "KITE_USER_ID = OLD123",
  "MAX_POSITIONS=3",
  "",
].join("\n");

describe("dotenv store", () => {
  it("changes only the two token lines of a .env with comments, blanks and other variables", async () => {
    const file = path.join(tempDir(), ".env");
    writeFileSync(file, ENV, { mode: 0o644 });
    await new DotenvTokenSink(file).write(record);
    const after = readFileSync(file, "utf8");
    const before = ENV.split("\n");
    const lines = after.split("\n");
    expect(lines).toHaveLength(before.length);
    const changed = lines
      .map((line, i) => (line === before[i] ? undefined : i))
      .filter((i) => i !== undefined);
    expect(changed).toEqual([3, 7]);
    expect(lines[3]).toBe("export KITE_ACCESS_TOKEN=newtoken0123456789abcdef");
    expect(lines[7]).toBe("KITE_USER_ID = AB1234");
    expect(parse(after)).toMatchObject({
      KITE_ACCESS_TOKEN: record.access_token,
      KITE_USER_ID: "AB1234",
      STRATEGY_NAME: "mean reversion",
      BROKER: "zerodha",
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("appends the variables a .env does not have yet, keeping CRLF line ends", () => {
    expect(updateDotenv("A=1\r\nB=2\r\n", { KITE_ACCESS_TOKEN: "t", KITE_USER_ID: "U" })).toBe(
      "A=1\r\nB=2\r\nKITE_ACCESS_TOKEN=t\r\nKITE_USER_ID=U\r\n",
    );
    expect(updateDotenv("A=1", { KITE_USER_ID: "U" })).toBe("A=1\nKITE_USER_ID=U");
    expect(updateDotenv("", { KITE_USER_ID: "U" })).toBe("KITE_USER_ID=U\n");
  });

  it("quotes a value that a .env parser would otherwise cut", () => {
    const text = updateDotenv("KITE_ACCESS_TOKEN=x\n", { KITE_ACCESS_TOKEN: "a b#c" });
    expect(parse(text)["KITE_ACCESS_TOKEN"]).toBe("a b#c");
  });

  it("refuses to create a .env that does not exist, saying so", async () => {
    const file = path.join(tempDir(), ".env");
    await expect(new DotenvTokenSink(file).write(record)).rejects.toMatchObject({
      code: "STORE_FAILED",
      message: expect.stringContaining("does not exist"),
    });
  });

  it("reads the file as dotenv does: a KITE_ACCESS_TOKEN= line inside a multi-line quoted value is not touched", async () => {
    const cert = [
      "-----BEGIN CERTIFICATE-----",
      "KITE_ACCESS_TOKEN=not-a-variable-but-part-of-the-certificate",
      "MIIBszCCAVmgAwIBAgIUQ==",
      "-----END CERTIFICATE-----",
    ].join("\n");
    const text = `BROKER=zerodha\nTLS_CERT="${cert}"\nKITE_ACCESS_TOKEN=oldtoken\nKITE_USER_ID=OLD123\n`;
    const file = path.join(tempDir(), ".env");
    writeFileSync(file, text);
    await new DotenvTokenSink(file).write(record);
    const after = readFileSync(file, "utf8");
    expect(parse(after)).toEqual({
      BROKER: "zerodha",
      TLS_CERT: cert,
      KITE_ACCESS_TOKEN: record.access_token,
      KITE_USER_ID: "AB1234",
    });
    expect(after).toBe(
      text
        .replace("KITE_ACCESS_TOKEN=oldtoken", `KITE_ACCESS_TOKEN=${record.access_token}`)
        .replace("KITE_USER_ID=OLD123", "KITE_USER_ID=AB1234"),
    );
  });

  it("changes only the values: inline comments, quotes, mixed line ends and every other byte stay", async () => {
    // LF, CRLF and a lone CR (dotenv reads all three as line ends), a comment after each
    // value, single quotes, a BOM and bytes that are not UTF-8.
    const head = Buffer.from([0xef, 0xbb, 0xbf]);
    const latin = Buffer.from([0x23, 0x20, 0xe9, 0xff, 0x0a]); // "# \xe9\xff\n": not UTF-8
    const body = Buffer.from(
      "A=1\r\n" +
        "KITE_ACCESS_TOKEN=oldtoken   # refreshed every morning\n" +
        "B='two words'\r" +
        "export KITE_USER_ID='OLD123' # the trader\r\n" +
        "C=3",
      "latin1",
    );
    const bytes = Buffer.concat([head, latin, body]);
    const file = path.join(tempDir(), ".env");
    writeFileSync(file, bytes);
    await new DotenvTokenSink(file).write(record);
    const expected = Buffer.concat([
      head,
      latin,
      Buffer.from(
        "A=1\r\n" +
          `KITE_ACCESS_TOKEN=${record.access_token}   # refreshed every morning\n` +
          "B='two words'\r" +
          "export KITE_USER_ID='AB1234' # the trader\r\n" +
          "C=3",
        "latin1",
      ),
    ]);
    expect(readFileSync(file).toString("hex")).toBe(expected.toString("hex"));
    expect(parse(readFileSync(file))).toMatchObject({
      KITE_ACCESS_TOKEN: record.access_token,
      KITE_USER_ID: "AB1234",
      B: "two words",
      C: "3",
    });
  });

  it("appends a missing variable with the file's own line end, leaving mixed line ends as they were", () => {
    expect(updateDotenv("A=1\nB=2\r\n", { KITE_USER_ID: "U" })).toBe(
      "A=1\nB=2\r\nKITE_USER_ID=U\r\n",
    );
    expect(updateDotenv("A=1\r\nB=2\n", { KITE_USER_ID: "U" })).toBe(
      "A=1\r\nB=2\nKITE_USER_ID=U\n",
    );
  });

  it("writes through a symlinked .env: the link stays a link, its target gets the token", async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, "shared"));
    const target = path.join(dir, "shared", "bot.env");
    writeFileSync(target, "BOT=1\nKITE_ACCESS_TOKEN=old\n");
    const link = path.join(dir, ".env");
    symlinkSync(path.join("shared", "bot.env"), link);
    await new DotenvTokenSink(link).write(record);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(path.join("shared", "bot.env"));
    expect(parse(readFileSync(target))).toEqual({
      BOT: "1",
      KITE_ACCESS_TOKEN: record.access_token,
      KITE_USER_ID: "AB1234",
    });
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual([".env", "shared"]);
    expect(readdirSync(path.join(dir, "shared"))).toEqual(["bot.env"]);
  });

  it("agrees with dotenv's parser on 2,000 seeded .env files: only the two values change", () => {
    const random = seeded(20);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const names = ["A", "KITE_ACCESS_TOKEN", "KITE_USER_ID", "B_2", "export KITE_USER_ID"];
    const values = [
      "x",
      "",
      "two words",
      "'q'",
      '"d q"',
      '"multi\nKITE_ACCESS_TOKEN=in\nline"',
      "v # c",
    ];
    const ends = ["\n", "\r\n", "\r"];
    for (let n = 0; n < 2000; n += 1) {
      let text = "";
      const lines = 1 + Math.floor(random() * 6);
      for (let i = 0; i < lines; i += 1) {
        const line =
          random() < 0.15
            ? pick(["# KITE_ACCESS_TOKEN=c", "", "  "])
            : `${pick(names)}${pick(["=", " = ", ": "])}${pick(values)}`;
        text += line + (i < lines - 1 || random() < 0.7 ? pick(ends) : "");
      }
      const before = parse(text);
      const after = updateDotenv(text, { KITE_ACCESS_TOKEN: "tok123", KITE_USER_ID: "AB1234" });
      expect({ text, parsed: parse(after) }).toEqual({
        text,
        parsed: { ...before, KITE_ACCESS_TOKEN: "tok123", KITE_USER_ID: "AB1234" },
      });
    }
  });
});
