import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { packageRoot } from "../../src/core/package-root.js";
import { LOGIN_CREDENTIALS, loadConfig } from "../../src/config/load.js";
import { SETTINGS } from "../../src/config/settings.js";
import { tempDir } from "../helpers/setup.js";
import { composeProblems, containerSetup, CREDENTIAL_VARIABLES } from "./compose-rules.js";
import {
  DOCKERFILE_RULES,
  dockerfileProblems,
  parseDockerfile,
  stageEnv,
} from "./dockerfile-rules.js";

const root = packageRoot();
const dockerfile = readFileSync(path.join(root, "Dockerfile"), "utf8");
const compose = readFileSync(path.join(root, "docker-compose.yml"), "utf8");

/** The text with one exact passage replaced; fails when the passage is not there. */
function mutate(text: string, from: string | RegExp, to: string): string {
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`mutation did not apply: ${String(from)}`);
  return changed;
}

function rulesBroken(problems: string[]): string[] {
  return [...new Set(problems.map((p) => p.split(":")[0] ?? ""))];
}

describe("Dockerfile", () => {
  it("follows every rule", () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
  });

  it("has a build stage and a runtime stage on the same pinned Node 24 (current LTS) Debian image", () => {
    const { stages } = parseDockerfile(dockerfile);
    expect(stages.map((s) => s.name)).toEqual(["build", "runtime"]);
    expect(new Set(stages.map((s) => `${s.image}:${s.tag}`)).size).toBe(1);
    expect(stages[1]?.tag).toMatch(/^24\.\d+\.\d+-bookworm-slim$/);
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      engines: { node: string };
    };
    expect(manifest.engines.node).toBe(">=22");
  });

  const runtimeFrom = /FROM node:[^\s]+ AS runtime/;
  const broken: Array<[rule: string, from: string | RegExp, to: string]> = [
    ["multi-stage", /^FROM node:[^\n]+AS build[\s\S]*?(?=FROM node)/m, ""],
    ["pinned-base", runtimeFrom, "FROM node:24-bookworm-slim AS runtime"],
    ["pinned-base", runtimeFrom, "FROM node:latest AS runtime"],
    ["pinned-base", runtimeFrom, "FROM node AS runtime"],
    ["non-root-user", /^USER node\n/m, ""],
    ["non-root-user", /^USER node\n/m, "USER node\nUSER root\n"],
    ["non-root-user", /^USER node\n/m, "USER 0:0\n"],
    ["healthcheck", /^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, ""],
    ["healthcheck", '"health"]', '"status"]'],
    ["healthcheck", /^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, "HEALTHCHECK NONE\n"],
    ["data-volume", 'VOLUME ["/data"]', 'VOLUME ["/var/lib/kite-token"]'],
    ["data-volume", /^VOLUME[^\n]*\n/m, ""],
    ["data-paths", "TOKEN_FILE=/data/token.json", "TOKEN_FILE=/app/data/token.json"],
    ["init", '["/usr/bin/tini", "--", ', "["],
    ["init", /^ENTRYPOINT[^\n]*\n/m, "ENTRYPOINT /usr/bin/tini -- node /app/dist/cli/main.js\n"],
    ["init", " tzdata tini ", " tzdata "],
    ["chromium", "--no-install-recommends chromium-headless-shell ", "--no-install-recommends "],
    ["chromium", "install -y --no-install-recommends", "install -y"],
    ["chromium", "BROWSER_PATH=/usr/bin/chromium-headless-shell", "BROWSER_PATH=/opt/chrome"],
    ["no-bundled-browser", "npm ci --omit=dev --omit=optional", "npm ci --omit=dev"],
    ["console-host", /^ {4}HOST=0\.0\.0\.0/m, "    HOST=127.0.0.1"],
    ["console-host", /^ {4}HOST=0\.0\.0\.0 \\\n/m, ""],
    ["timezone", " tzdata ", " "],
    ["timezone", "TZ=Asia/Kolkata", "TZ=UTC"],
    ["production-install", "npm ci --omit=dev --omit=optional", "npm ci --omit=optional"],
    [
      "production-install",
      "npm ci --omit=dev --omit=optional --ignore-scripts",
      "npm install --omit=dev",
    ],
    [
      "production-install",
      "COPY --from=build /app/dist ./dist",
      "COPY --from=build /app/dist ./dist\nCOPY --from=build /app/node_modules ./node_modules",
    ],
    ["production-install", "COPY --from=build /app/dist ./dist", "COPY dist ./dist"],
    ["build-stage", "RUN npm ci --omit=optional --ignore-scripts", "RUN npm ci --omit=dev"],
    ["build-stage", "RUN npm run build\n", ""],
    ["no-secret-in-env-or-arg", "TZ=Asia/Kolkata", "TZ=Asia/Kolkata KITE_PASSWORD=hunter2"],
    ["no-secret-in-env-or-arg", /^USER node$/m, "ARG KITE_TOTP_SECRET\nUSER node"],
    ["no-secret-in-env-or-arg", /^FROM node/m, "ARG KITE_API_KEY=abc\nFROM node"],
    ["no-secret-in-env-or-arg", /^WORKDIR \/app$/m, "ENV KITE_API_SECRET s3cret\nWORKDIR /app"],
    ["no-secret-in-env-or-arg", /^USER node$/m, "ENV ACCESS_TOKEN=x\nUSER node"],
    ["default-command", 'CMD ["worker"]', 'CMD ["refresh"]'],
  ];
  for (const [rule, from, to] of broken) {
    it(`fails rule ${rule} when ${String(from).slice(0, 40)} becomes ${JSON.stringify(to.slice(0, 40))}`, () => {
      const problems = dockerfileProblems(mutate(dockerfile, from, to));
      expect(rulesBroken(problems)).toContain(rule);
    });
  }

  it("has a breaking example for every rule", () => {
    const covered = new Set(broken.map(([rule]) => rule));
    expect(DOCKERFILE_RULES.map((r) => r.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it("accepts a base image pinned by digest", () => {
    const digest = `sha256:${"ab12".repeat(16)}`;
    const byDigest = mutate(dockerfile, runtimeFrom, `FROM node@${digest} AS runtime`);
    expect(dockerfileProblems(byDigest)).toEqual([]);
    const both = mutate(
      dockerfile,
      runtimeFrom,
      `FROM node:24.22.3-bookworm-slim@${digest} AS runtime`,
    );
    expect(dockerfileProblems(both)).toEqual([]);
  });

  it("allows the store variables TOKEN_FILE and TOKEN_STORES in ENV", () => {
    const text = mutate(dockerfile, "TZ=Asia/Kolkata", "TZ=Asia/Kolkata TOKEN_STORES=file:/data/t");
    expect(dockerfileProblems(text)).toEqual([]);
  });
});

describe(".dockerignore", () => {
  it("keeps secrets, local tokens and host builds out of the build context", () => {
    const lines = readFileSync(path.join(root, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim());
    for (const entry of [".env", ".env.*", "secrets", "data", "node_modules", "dist", ".git"]) {
      expect(lines).toContain(entry);
    }
  });
});

describe("secrets/", () => {
  it("is git-ignored except its README", () => {
    const ignored = (file: string): boolean => {
      try {
        execFileSync("git", ["check-ignore", "-q", "--no-index", file], { cwd: root });
        return true;
      } catch {
        return false;
      }
    };
    expect(ignored("secrets/kite_password")).toBe(true);
    expect(ignored("secrets/kite_totp_secret")).toBe(true);
    expect(ignored("secrets/README.md")).toBe(false);
  });
});

describe("docker-compose.yml", () => {
  it("follows every rule", () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  const broken: Array<[rule: string, from: string | RegExp, to: string]> = [
    ["loopback-only", '"127.0.0.1:8079:8079"', '"8079:8079"'],
    ["loopback-only", '"127.0.0.1:8079:8079"', '"0.0.0.0:8079:8079"'],
    ["loopback-only", /( {6}- redis-data:\/data\n)/, '$1    ports:\n      - "6379:6379"\n'],
    ["console-port", /\n {4}ports:\n {6}- "127.0.0.1:8079:8079"/, ""],
    [
      "secrets-from-files",
      "KITE_PASSWORD_FILE: /run/secrets/kite_password",
      "KITE_PASSWORD: hunter2",
    ],
    ["secrets-from-files", /^ {6}- kite_totp_secret\n/m, ""],
    ["secrets-from-files", "file: ./secrets/kite_api_secret", "file: /etc/kite_api_secret"],
    ["secrets-from-files", "SERVER_ENABLED: ${SERVER_ENABLED:-true}", "KITE_ACCESS_TOKEN: abc"],
    ["secrets-from-files", /^ {6}- admin_token\n/m, ""],
    ["env-file", /^ {4}env_file:\n(?: {6}.*\n)+/m, ""],
    ["env-passes-through", "SERVER_ENABLED: ${SERVER_ENABLED:-true}", "SMTP_URL: ''"],
    ["env-passes-through", "SERVER_ENABLED: ${SERVER_ENABLED:-true}", "SCHEDULE: 30 8 * * *"],
    [
      "env-passes-through",
      "SERVER_ENABLED: ${SERVER_ENABLED:-true}",
      "ALERT_EMAIL_TO: ${X:-a@b.c}",
    ],
    ["restart", /^ {4}restart: unless-stopped\n/m, ""],
    ["restart", "restart: unless-stopped", 'restart: "no"'],
    ["data-volume", "- kite-data:/data", "- kite-data:/var/data"],
  ];
  for (const [rule, from, to] of broken) {
    it(`fails rule ${rule} when ${String(from).slice(0, 40)} becomes ${JSON.stringify(to.slice(0, 40))}`, () => {
      expect(rulesBroken(composeProblems(mutate(compose, from, to)))).toContain(rule);
    });
  }

  /** A project folder as a trader sets it up: .env (settings) and secrets/ (credentials). */
  function project(dotenv: string): string {
    const dir = tempDir("kt-compose-");
    writeFileSync(path.join(dir, ".env"), dotenv);
    mkdirSync(path.join(dir, "secrets"));
    const secrets: Record<string, string> = {
      kite_api_key: "kitekey123",
      kite_api_secret: "compose-api-secret",
      kite_user_id: "AB1234",
      kite_password: "compose-password",
      kite_totp_secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
      admin_token: "compose-admin-token-0123456789",
    };
    for (const [name, value] of Object.entries(secrets))
      writeFileSync(path.join(dir, "secrets", name), value);
    return dir;
  }
  const imageEnv = (): Record<string, string> =>
    stageEnv(parseDockerfile(dockerfile).stages.at(-1)!);

  it("hands the container every setting of .env, over the image's defaults", () => {
    const names = Object.keys(SETTINGS).filter((name) => !CREDENTIAL_VARIABLES.includes(name));
    const dotenv = names.map((name, i) => `${name}=value-${i}`).join("\n");
    const { env } = containerSetup(compose, imageEnv(), project(dotenv));
    expect(Object.fromEntries(names.map((n) => [n, env[n]]))).toEqual(
      Object.fromEntries(names.map((n, i) => [n, `value-${i}`])),
    );
  });

  it("passes the alert settings: the worker in the container has its channels, schedule and guarded console", () => {
    const dir = project(
      [
        "SMTP_URL=smtps://alerts%40example.com:mail-pass@smtp.example.com:465",
        "ALERT_EMAIL_TO=trader@example.com",
        "TELEGRAM_BOT_TOKEN=123456:compose-telegram-token",
        "TELEGRAM_CHAT_ID=987654",
        "ALERT_WEBHOOK_URL=https://hooks.example.com/services/T0/B0/x",
        "ALERT_ON_SUCCESS=true",
        "SCHEDULE='0 8 * * 1-5'",
        'ALERT_DEADLINE="08:50"',
        "TOKEN_STORES=file:/data/token.json,redis://redis:6379",
      ].join("\n"),
    );
    const { env, secrets } = containerSetup(compose, imageEnv(), dir);
    // The secrets as the container sees them: /run/secrets/<name>, mounted from ./secrets/.
    for (const [name, value] of Object.entries(env)) {
      if (name.endsWith("_FILE") && secrets[value]) env[name] = secrets[value];
    }
    const config = loadConfig({ env, cwd: tempDir(), require: LOGIN_CREDENTIALS });
    expect(config.alerts.channels).toEqual(["email", "telegram", "webhook"]);
    expect(config.alerts.email?.to).toEqual(["trader@example.com"]);
    expect(config.alerts.telegram?.chatId).toBe("987654");
    expect(config.alerts.webhook?.url).toBe("https://hooks.example.com/services/T0/B0/x");
    expect(config.worker.schedule).toBe("0 8 * * 1-5");
    expect(config.server).toMatchObject({
      enabled: true,
      host: "0.0.0.0",
      port: 8079,
      adminToken: "compose-admin-token-0123456789",
    });
    expect(config.kite).toMatchObject({ userId: "AB1234", password: "compose-password" });
    expect(config.tokenFile).toBe("/data/token.json");
    // SERVER_ENABLED=false in .env turns the console off.
    const off = containerSetup(compose, imageEnv(), project("SERVER_ENABLED=false")).env;
    expect(off["SERVER_ENABLED"]).toBe("false");
  });

  it("keeps Redis optional, behind a profile", () => {
    expect(compose).toMatch(/^ {2}redis:\n(?: {4}.*\n)*? {4}profiles: \["redis"\]/m);
  });
});

describe("container smoke script", () => {
  it("installs as the runtime stage does", () => {
    const script = readFileSync(path.join(root, "scripts", "container-smoke.sh"), "utf8");
    expect(script).toContain("npm ci --omit=dev --omit=optional --ignore-scripts");
    expect(dockerfile).toContain("npm ci --omit=dev --omit=optional --ignore-scripts");
  });
});
