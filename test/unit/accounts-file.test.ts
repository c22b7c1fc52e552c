import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { accountConfig } from "../../src/runner/accounts/account-config.js";
import { loadConfig } from "../../src/config/load.js";
import { tempDir } from "../helpers/setup.js";

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

function setup(accounts: unknown[], env: Record<string, string> = {}) {
  const dir = tempDir();
  const file = path.join(dir, "accounts.json");
  writeFileSync(file, JSON.stringify({ accounts }));
  return { dir, env: { ACCOUNTS_FILE: file, TOKEN_FILE: path.join(dir, "token.json"), ...env } };
}

const entry = (id: string) => ({
  id,
  user_id_env: "U",
  password_file: "pw.txt",
  totp_secret_env: "T",
  api_key_env: "K",
  api_secret_env: "S",
});

describe("the accounts file", () => {
  it("reads secrets from named variables and files, and gives each account its own paths", () => {
    const { dir, env } = setup([entry("main")], { U: "ab1234", T: SECRET, K: "key", S: "sec" });
    writeFileSync(path.join(dir, "pw.txt"), "pass word\n");
    const config = loadConfig({ env, cwd: dir });
    const account = config.accounts.list?.[0];
    expect(account?.credentials).toEqual({
      userId: "AB1234",
      password: "pass word",
      totpSecret: SECRET,
      apiKey: "key",
      apiSecret: "sec",
    });
    const one = accountConfig(config, account!);
    expect(one.delivery.stores).toEqual([
      { kind: "file", path: path.join(dir, "main", "token.json") },
    ]);
    expect(one.worker.stateFile).toBe(path.join(dir, "main", "state.json"));
    expect(one.worker.lockFile).toBe(path.join(dir, "main", "refresh.lock"));
    // Where each secret comes from, for the hints: the variable's name, or the file's path.
    expect(one.account).toEqual({
      id: "main",
      variableSuffix: "MAIN",
      sources: {
        KITE_USER_ID: "U",
        KITE_PASSWORD: `the file ${path.join(dir, "pw.txt")}`,
        KITE_TOTP_SECRET: "T",
        KITE_API_KEY: "K",
        KITE_API_SECRET: "S",
      },
    });
  });

  it("an account's post_refresh_command replaces POST_REFRESH_COMMAND for it; the others keep the global one; the worker's presence stays shared", () => {
    const env = {
      U: "ab1234",
      V: "cd5678",
      T: SECRET,
      K: "key",
      S: "sec",
      POST_REFRESH_COMMAND: "echo global",
    };
    const { dir, env: all } = setup(
      [
        { ...entry("main"), post_refresh_command: "systemctl restart main-bot" },
        { ...entry("ops"), user_id_env: "V" },
      ],
      env,
    );
    writeFileSync(path.join(dir, "pw.txt"), "pw\n");
    const config = loadConfig({ env: all, cwd: dir });
    const [main, ops] = config.accounts.list.map((a) => accountConfig(config, a));
    expect(main?.monitoring.postRefreshCommand).toBe("systemctl restart main-bot");
    expect(ops?.monitoring.postRefreshCommand).toBe("echo global");
    expect(main?.worker.presenceFile).toBe(path.join(dir, "worker.json"));
    expect(ops?.worker.presenceFile).toBe(config.worker.presenceFile);
  });

  it("lists every problem at once, never a secret written in the file", () => {
    const { dir, env } = setup(
      [
        { ...entry("a"), password: "hunter22" },
        { ...entry("b"), api_key_env: undefined },
        entry("b"),
      ],
      { U: "ab1234", T: SECRET, K: "key", S: "sec" },
    );
    let message = "";
    try {
      loadConfig({ env, cwd: dir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("account a: unknown field password (secrets are never written");
    expect(message).not.toContain("hunter22");
    // The first problems stop the checks that depend on a valid file.
    expect(message).toMatch(/problem/);
  });

  it("reports unset variables, unreadable files and duplicate ids by account", () => {
    const { dir, env } = setup([entry("a"), entry("a")], { T: SECRET, K: "key", S: "sec" });
    let message = "";
    try {
      loadConfig({ env, cwd: dir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("account a: the id is used twice");
    expect(message).toContain("account a: user_id_env names U, which is not set");
    expect(message).toContain("account a: password_file points at");
  });
});
