import { readFileSync } from "node:fs";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import type { App } from "../../src/runner/app.js";
import type { RunningConsole } from "../../src/server/serve.js";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { runCli, spawnCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { tempDir } from "../helpers/setup.js";
import { exited, until } from "../helpers/worker-process.js";
import { ADMIN, AUTH, consoleFor, simApp } from "./console-helpers.js";

/**
 * What a hostile web page in the trader's browser can make of an open console (loopback,
 * no ADMIN_TOKEN), and what a guesser can make of a protected one: nothing.
 */

interface Answer {
  status: number;
  body: string;
}

/** A real HTTP request with exactly these headers (Host and Origin included). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const codeOf = (answer: Answer): string | undefined =>
  (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

describe("an open console (loopback, no ADMIN_TOKEN) and another site's page", () => {
  let app: App;
  let server: RunningConsole;
  let hold: { release(): void };
  let logins = 0;
  const calls = (): number => sim.counters.loginAttempts - logins;
  let host: string;
  before(async () => {
    // The real pipeline; Kite holds the password post, so a started refresh stays running.
    app = simApp(sim, { ADMIN_TOKEN: "", LOGIN_STRATEGY: "http" });
    logins = sim.counters.loginAttempts;
    hold = sim.holdLogins();
    server = await consoleFor(app);
    host = new URL(server.url).host;
  });
  after(async () => {
    hold.release();
    await server.close();
    await app.close();
  });

  it("answers only the host names it serves: a rebound name is refused (DNS rebinding)", async () => {
    const status = `${server.url}/api/token/status`;
    const port = new URL(server.url).port;
    for (const name of [host, `localhost:${port}`, `[::1]:${port}`])
      expect([name, (await send(status, { headers: { host: name } })).status]).toEqual([name, 200]);
    for (const name of [`evil.example:${port}`, "evil.example", `kite.127.0.0.1.nip.io:${port}`]) {
      const answer = await send(status, { headers: { host: name } });
      expect([name, answer.status, codeOf(answer)]).toEqual([name, 403, "HOST_REFUSED"]);
      expect(answer.body).not.toContain("user_id");
    }
    const refresh = await send(`${server.url}/api/token/refresh`, {
      method: "POST",
      headers: { host: `evil.example:${port}` },
    });
    expect(refresh.status).toBe(403);
    expect(calls()).toBe(0);
  });

  it("answers a name given in SERVER_ALLOWED_HOSTS (a reverse proxy's), and still no other", async () => {
    const proxied = simApp(sim, {
      ADMIN_TOKEN: "",
      LOGIN_STRATEGY: "http",
      SERVER_ALLOWED_HOSTS: "kite.example.lan, tokens.home.arpa",
    });
    const console2 = await consoleFor(proxied);
    try {
      const status = `${console2.url}/api/token/status`;
      const port = new URL(console2.url).port;
      for (const name of ["kite.example.lan", `tokens.home.arpa:${port}`, "KITE.example.lan"]) {
        const answer = await send(status, { headers: { host: name } });
        expect([name, answer.status]).toEqual([name, 200]);
      }
      for (const name of ["evil.example", `lan:${port}`, "kite.example.lan.evil.example"]) {
        const answer = await send(status, { headers: { host: name } });
        expect([name, answer.status, codeOf(answer)]).toEqual([name, 403, "HOST_REFUSED"]);
      }
    } finally {
      await console2.close();
      await proxied.close();
    }
  });

  it("refuses another site's writes: a text/plain POST from a foreign Origin starts nothing", async () => {
    const refresh = `${server.url}/api/token/refresh`;
    const attempts: Array<Record<string, string>> = [
      { origin: "http://evil.example", "content-type": "text/plain" },
      { origin: "null", "content-type": "text/plain" },
      { "sec-fetch-site": "cross-site", "content-type": "text/plain" },
      { origin: "http://evil.example" },
      { origin: `http://127.0.0.1.evil.example:${new URL(server.url).port}` },
    ];
    for (const headers of attempts) {
      const answer = await send(refresh, { method: "POST", headers, body: '{"force":true}' });
      expect([headers, answer.status, codeOf(answer)]).toEqual([headers, 403, "CROSS_SITE"]);
    }
    const generate = await send(`${server.url}/api/token/generate-access-token`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "text/plain" },
      body: JSON.stringify({ request_token: "attackers-request-token" }),
    });
    expect(generate.status).toBe(403);
    expect(calls()).toBe(0);
    expect(sim.counters.exchangeCalls).toBe(0);
  });

  it("takes JSON only as JSON: a same-site form or text body is refused (415)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]) {
      const answer = await send(`${server.url}/api/token/refresh`, {
        method: "POST",
        headers: { "content-type": type },
        body: "force=true",
      });
      expect([type, answer.status]).toEqual([type, 415]);
    }
    expect(calls()).toBe(0);
  });

  it("still serves its own page and scripts: same-origin JSON, and a POST without a body", async () => {
    const own = await send(`${server.url}/api/token/refresh`, {
      method: "POST",
      headers: {
        origin: server.url,
        "sec-fetch-site": "same-origin",
        "content-type": "application/json",
      },
      body: "{}",
    });
    expect(own.status).toBe(202);
    const script = await send(`${server.url}/api/token/refresh`, { method: "POST" });
    expect(script.status).toBe(202);
    expect(JSON.parse(script.body)).toMatchObject({ joined: true });
    await until(() => calls() === 1, 20_000);
    expect(calls()).toBe(1);
  });

  it("issues a login state to its own page only, never to another site's GET", async () => {
    const info = `${server.url}/api/token/refresh-info`;
    for (const headers of [{ "sec-fetch-site": "cross-site" }, { origin: "http://evil.example" }]) {
      const answer = await send(info, { headers });
      expect([headers, answer.status, codeOf(answer)]).toEqual([headers, 403, "CROSS_SITE"]);
      expect(answer.body).not.toContain("login_url");
    }
    const own = await send(info, { headers: { "sec-fetch-site": "same-origin" } });
    expect(own.status).toBe(200);
    expect(own.body).toContain("login_url");
  });

  it("refuses a body larger than the API takes with 413, not 400", async () => {
    const big = JSON.stringify({ request_token: "x".repeat(20 * 1024 * 1024) });
    const answer = await send(`${server.url}/api/token/generate-access-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(answer.status).toBe(413);
    expect(codeOf(answer)).toBe("BODY_TOO_LARGE");
  });
});

describe("a protected console and a guesser", () => {
  /** A protected console of its own (its own count of wrong tokens), closed after `use`. */
  async function withConsole(use: (url: string) => Promise<void>): Promise<void> {
    const app = simApp(sim);
    const server = await consoleFor(app);
    try {
      await use(`${server.url}/api/token/refresh-info`);
    } finally {
      await server.close();
      await app.close();
    }
  }

  it("answers 429 once a client has sent ten wrong bearer tokens, even to the right one", () =>
    withConsole(async (info) => {
      const statuses: number[] = [];
      for (let i = 0; i < 50; i += 1) {
        const res = await fetch(info, {
          headers: { authorization: `Bearer wrong-guess-${String(i).padStart(12, "0")}` },
        });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual(Array(40).fill(429));
      expect((await fetch(info, { headers: AUTH })).status).toBe(429);
    }));

  it("tells a wrong admin token from a missing one", () =>
    withConsole(async (info) => {
      const missing = (await (await fetch(info)).json()) as { error: { message: string } };
      expect(missing.error.message).toBe(
        "This endpoint needs `Authorization: Bearer <ADMIN_TOKEN>`.",
      );
      const wrong = await fetch(info, { headers: { authorization: "Bearer not-the-admin-token" } });
      expect(wrong.status).toBe(401);
      const said = ((await wrong.json()) as { error: { message: string } }).error.message;
      expect(said).toMatch(
        /^Wrong admin token: it is not this console's ADMIN_TOKEN \(10 wrong ones within 15 minutes/,
      );
      expect(said).not.toContain("not-the-admin-token");
    }));

  it("a right token is never counted against its client", () =>
    withConsole(async (info) => {
      for (let i = 0; i < 15; i += 1)
        expect((await fetch(info, { headers: AUTH })).status).toBe(200);
    }));

  it("ADMIN_TOKEN with spaces or accents is refused at start (exit 2), never echoed", async () => {
    for (const token of [`${ADMIN} with spaces`, `ñandú-${ADMIN}`]) {
      const result = await runCli(["serve"], { ADMIN_TOKEN: token, PORT: "0" }, tempDir(), 20_000);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/ADMIN_TOKEN must be at least 16 characters of visible ASCII/);
      expect(result.stderr + result.stdout).not.toContain(ADMIN);
    }
  });
});

describe("kite-token serve and a 300 MB body", () => {
  it("answers 413 without buffering it (the process stays small)", async () => {
    const port = await freePort();
    const child = spawnCli(["serve"], { PORT: String(port) }, tempDir());
    child.stdout.resume();
    try {
      const base = `http://127.0.0.1:${port}`;
      const up = await until(
        () =>
          fetch(`${base}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        20_000,
      );
      expect(up).toBe(true);
      const status = await new Promise<number>((resolve, reject) => {
        // No Content-Length: the body streams in chunks until the console answers.
        const req = request(`${base}/api/token/generate-access-token`, {
          method: "POST",
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const pump = (): void => {
          while (sent < 300 * 1024 * 1024 && !req.destroyed) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once("drain", pump);
          }
          if (!req.destroyed) req.end();
        };
        req.on("response", (res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          req.destroy();
        });
        req.on("error", (error) => (sent > 0 ? undefined : reject(error)));
        pump();
      });
      expect(status).toBe(413);
      const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      const peakMb = Number(peak?.[1] ?? 0) / 1024;
      expect(peakMb).toBeGreaterThan(0);
      expect(peakMb).toBeLessThan(250);
    } finally {
      child.kill("SIGTERM");
      await exited(child);
    }
  });
});
