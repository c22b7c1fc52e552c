import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { loadConfig } from "../../src/config/load.js";
import { checkClock } from "../../src/doctor/clock.js";
import { maskCode } from "../../src/doctor/credentials.js";
import { defaultSelectors, readSelectors } from "../../src/config/selectors.js";
import { tempDir } from "../helpers/setup.js";

const write = (value: unknown): string => {
  const file = path.join(tempDir("kt-sel-"), "selectors.json");
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
};

describe("selectors as configuration", () => {
  it("ships the known variants, joined as one selector each, with patterns as RegExps", () => {
    const s = defaultSelectors();
    expect(s.userId).toBe("input#userid:visible, input[placeholder='Phone or User ID']:visible");
    expect(s.twofaInput.split(", ")).toHaveLength(4);
    expect(s.loginApiPath.test("/api/login")).toBe(true);
    expect(s.loginApiPath.test("/api/login/extra")).toBe(false);
    expect(s.twofaApiPath.test("/api/twofa?x=1")).toBe(true);
    expect(s.appCodeText.test("App Code")).toBe(true);
    expect(s.totpText.test("External TOTP")).toBe(true);
    expect(s.twofaUrlPattern).toBe("*/api/twofa*");
  });

  it("replaces only the keys a SELECTORS_FILE names", () => {
    const file = write({ userId: "input#client-code:visible", loginApiPath: "/api/v2/login$" });
    const { selectors, problems } = readSelectors({ overrideFile: file });
    expect(problems).toEqual([]);
    expect(selectors?.userId).toBe("input#client-code:visible");
    expect(selectors?.loginApiPath.test("/api/v2/login")).toBe(true);
    expect(selectors?.password).toBe(defaultSelectors().password);
  });

  it("lists every problem of a SELECTORS_FILE at once, through the configuration", () => {
    const file = write({ userId: "", loginApiPath: "(", usrId: "x", submit: [] });
    const env = {
      SELECTORS_FILE: file,
      TOKEN_FILE: path.join(tempDir(), "token.json"),
    };
    let message = "";
    try {
      loadConfig({ env, cwd: tempDir() });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`${file}: userId`);
    expect(message).toContain(`${file}: loginApiPath is not a valid regular expression`);
    expect(message).toContain(`${file}: submit`);
    expect(message).toContain("unknown key(s) usrId");
  });

  it("names a SELECTORS_FILE that is missing or not JSON", () => {
    expect(readSelectors({ overrideFile: "/nonexistent/sel.json" }).problems).toEqual([
      "SELECTORS_FILE points at /nonexistent/sel.json, which does not exist",
    ]);
    const bad = write("{ not json");
    expect(readSelectors({ overrideFile: bad }).problems[0]).toContain("is not valid JSON");
  });
});

describe("doctor parts", () => {
  it("masks the TOTP code but for its last digit", () => {
    expect(maskCode("123457")).toBe("*****7");
  });

  it("fails the clock check beyond 10 s of skew, and passes within it", async () => {
    let offsetMs = 0;
    const server = createServer((_req, res) => {
      res.setHeader("date", new Date(Date.now() + offsetMs).toUTCString());
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/connect/login`;
    try {
      offsetMs = 60_000;
      const behind = await checkClock(url, 5000);
      expect(behind.status).toBe("fail");
      expect(behind.detail).toMatch(/clock is (59|60)\.\d s behind Kite's/);
      expect(behind.fix).toContain("NTP");
      offsetMs = 0;
      expect((await checkClock(url, 5000)).status).toBe("pass");
    } finally {
      server.close();
    }
  });
});
