import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { packageRoot } from "../../src/package-root.js";
import { composeProblems } from "./compose-rules.js";
import { DOCKERFILE_RULES, dockerfileProblems, parseDockerfile } from "./dockerfile-rules.js";

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

  it("has a build stage and a runtime stage on the same pinned Node 20 Debian image", () => {
    const { stages } = parseDockerfile(dockerfile);
    expect(stages.map((s) => s.name)).toEqual(["build", "runtime"]);
    expect(new Set(stages.map((s) => `${s.image}:${s.tag}`)).size).toBe(1);
    expect(stages[1]?.tag).toMatch(/^20\.\d+\.\d+-bookworm-slim$/);
  });

  const runtimeFrom = /FROM node:[^\s]+ AS runtime/;
  const broken: Array<[rule: string, from: string | RegExp, to: string]> = [
    ["multi-stage", /^FROM node:[^\n]+AS build[\s\S]*?(?=FROM node)/m, ""],
    ["pinned-base", runtimeFrom, "FROM node:20-bookworm-slim AS runtime"],
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
    ["timezone", " tzdata ", " "],
    ["timezone", "TZ=Asia/Kolkata", "TZ=UTC"],
    ["production-install", "npm ci --omit=dev --ignore-scripts", "npm ci --ignore-scripts"],
    ["production-install", "npm ci --omit=dev --ignore-scripts", "npm install --omit=dev"],
    [
      "production-install",
      "COPY --from=build /app/dist ./dist",
      "COPY --from=build /app/dist ./dist\nCOPY --from=build /app/node_modules ./node_modules",
    ],
    ["production-install", "COPY --from=build /app/dist ./dist", "COPY dist ./dist"],
    ["build-stage", "RUN npm ci --ignore-scripts --no-audit", "RUN npm ci --omit=dev --no-audit"],
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
      `FROM node:20.20.2-bookworm-slim@${digest} AS runtime`,
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
    ["secrets-from-files", "LOG_LEVEL: ${LOG_LEVEL:-info}", "KITE_ACCESS_TOKEN: abc"],
    ["restart", /^ {4}restart: unless-stopped\n/m, ""],
    ["restart", "restart: unless-stopped", 'restart: "no"'],
    ["data-volume", "- kite-data:/data", "- kite-data:/var/data"],
  ];
  for (const [rule, from, to] of broken) {
    it(`fails rule ${rule} when ${String(from).slice(0, 40)} becomes ${JSON.stringify(to.slice(0, 40))}`, () => {
      expect(rulesBroken(composeProblems(mutate(compose, from, to)))).toContain(rule);
    });
  }

  it("keeps Redis optional, behind a profile", () => {
    expect(compose).toMatch(/^ {2}redis:\n(?: {4}.*\n)*? {4}profiles: \["redis"\]/m);
  });
});

describe("container smoke script", () => {
  it("installs as the runtime stage does", () => {
    const script = readFileSync(path.join(root, "scripts", "container-smoke.sh"), "utf8");
    expect(script).toContain("npm ci --omit=dev --ignore-scripts");
    expect(dockerfile).toContain("npm ci --omit=dev --ignore-scripts");
  });
});
