import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { packageRoot } from "../../src/core/package-root.js";
import { tempDir } from "../helpers/setup.js";

/** The systemd units of deploy/systemd/: they verify, and they say what the docs promise. */
const dir = path.join(packageRoot(), "deploy", "systemd");
const UNITS = ["kite-token.service", "kite-token-refresh.service", "kite-token-refresh.timer"];

/** A unit file's settings by section, each key with every value it is given. */
function unit(name: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> = {};
  for (const raw of readFileSync(path.join(dir, name), "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      current = sections[header[1]] ??= {};
      continue;
    }
    const at = line.indexOf("=");
    const key = line.slice(0, at);
    (current[key] ??= []).push(line.slice(at + 1));
  }
  return sections;
}

const HARDENING: Record<string, string> = {
  NoNewPrivileges: "yes",
  ProtectSystem: "strict",
  ProtectHome: "yes",
  PrivateTmp: "yes",
  PrivateDevices: "yes",
  ProtectKernelTunables: "yes",
  ProtectKernelModules: "yes",
  ProtectControlGroups: "yes",
  RestrictSUIDSGID: "yes",
  CapabilityBoundingSet: "",
  // Chromium's sandbox: user, PID and network namespaces, nothing more.
  RestrictNamespaces: "user pid net",
};

describe("systemd units", () => {
  it("pass systemd-analyze verify, without a warning", () => {
    const found = spawnSync("systemd-analyze", ["--version"]);
    if (found.error) {
      throw new Error(
        "systemd-analyze is missing: apt-get install systemd (.ci/run does; it works without systemd running)",
      );
    }
    const result = spawnSync(
      "systemd-analyze",
      ["verify", ...UNITS.map((name) => path.join(dir, name))],
      { encoding: "utf8" },
    );
    expect({ code: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({
      code: 0,
      output: "",
    });
  });

  it("catch a broken unit (the verification can fail)", () => {
    const broken = path.join(tempDir(), "kite-token-broken.service");
    const text = readFileSync(path.join(dir, "kite-token.service"), "utf8").replace(
      "ProtectSystem=strict",
      "ProtectSystem=sometimes",
    );
    writeFileSync(broken, text);
    const result = spawnSync("systemd-analyze", ["verify", broken], { encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toContain("Failed to parse protect system value");
  });

  for (const name of ["kite-token.service", "kite-token-refresh.service"]) {
    it(`${name}: a dedicated user, the data folder the only writable path, hardened`, () => {
      const service = unit(name)["Service"] ?? {};
      expect(service["User"]).toEqual(["kite-token"]);
      expect(service["StateDirectory"]).toEqual(["kite-token"]);
      expect(service["StateDirectoryMode"]).toEqual(["0700"]);
      expect(service["ReadWritePaths"]).toBeUndefined();
      for (const variable of ["TOKEN_FILE", "STATE_FILE", "ARTIFACTS_DIR"]) {
        const set = (service["Environment"] ?? []).find((e) => e.startsWith(`${variable}=`));
        expect(set).toMatch(new RegExp(`^${variable}=/var/lib/kite-token/`));
      }
      for (const [key, value] of Object.entries(HARDENING)) {
        expect({ key, value: service[key] }).toEqual({ key, value: [value] });
      }
      // The credentials from systemd's credential store, never inline.
      for (const secret of [
        "KITE_API_KEY",
        "KITE_API_SECRET",
        "KITE_USER_ID",
        "KITE_PASSWORD",
        "KITE_TOTP_SECRET",
      ]) {
        const file = secret.toLowerCase();
        expect(service["Environment"]).toContain(`${secret}_FILE=%d/${file}`);
        expect(service["LoadCredential"]).toContain(`${file}:/etc/kite-token/secrets/${file}`);
        expect((service["Environment"] ?? []).some((e) => e.startsWith(`${secret}=`))).toBe(false);
      }
    });
  }

  it("kite-token.service: the worker, restarted on failure but not on a configuration error", () => {
    const { Service: service = {} } = unit("kite-token.service");
    expect(service["ExecStart"]).toEqual(["/usr/bin/node /opt/kite-token/dist/cli/main.js worker"]);
    expect(service["Restart"]).toEqual(["on-failure"]);
    expect(service["RestartPreventExitStatus"]).toEqual(["2"]);
  });

  it("kite-token-refresh: a oneshot refresh, never restarted (a wrong password is never retried), at 08:30 IST", () => {
    const { Service: service = {} } = unit("kite-token-refresh.service");
    expect(service["Type"]).toEqual(["oneshot"]);
    expect(service["ExecStart"]).toEqual([
      "/usr/bin/node /opt/kite-token/dist/cli/main.js refresh",
    ]);
    expect(service["Restart"]).toBeUndefined();
    const { Timer: timer = {} } = unit("kite-token-refresh.timer");
    expect(timer["OnCalendar"]).toEqual(["*-*-* 08:30:00 Asia/Kolkata"]);
    expect(timer["Persistent"]).toEqual(["true"]);
    expect(timer["Unit"]).toEqual(["kite-token-refresh.service"]);
    const next = spawnSync("systemd-analyze", ["calendar", "*-*-* 08:30:00 Asia/Kolkata"], {
      encoding: "utf8",
    });
    expect(next.stdout).toMatch(/Normalized form: \*-\*-\* 08:30:00 Asia\/Kolkata/);
  });
});
