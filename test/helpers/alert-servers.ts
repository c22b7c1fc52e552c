import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { after, before, beforeEach } from "node:test";
import { SMTPServer } from "smtp-server";
import {
  defaultScenario,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/** A real SMTP server on loopback (nodemailer's smtp-server) that keeps every message. */
export async function smtpSink(
  auth = { user: "alerts@example.com", pass: "smtp-pass-Secret9" },
  /** A given port (an SMTP server that comes back where it was down); default: any free one. */
  listenPort = 0,
) {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(a, _session, callback) {
      if (a.username === auth.user && a.password === auth.pass)
        callback(null, { user: a.username });
      else callback(new Error("535 Authentication failed"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw).then(
          (parsed) => {
            mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(listenPort, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  const userInfo = `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}`;
  return {
    mails,
    port,
    url: `smtp://${userInfo}@127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on loopback with nothing listening: an SMTP server that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface CapturedRequest {
  method: string;
  path: string;
  contentType: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/**
 * An SMTP server that accepts the connection and never answers (no greeting): what made a
 * failing `refresh` hang. Its sockets are kept to be closed at the end.
 */
export async function silentSmtp(): Promise<{
  port: number;
  connections: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<import("node:net").Socket>();
  let count = 0;
  const { createServer: createTcpServer } = await import("node:net");
  const server = createTcpServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A tiny real HTTP server standing in for Telegram's API or a webhook; `reply` decides answers. */
export async function httpSink(
  reply: (req: CapturedRequest) => { status: number; body: unknown } = () => ({
    status: 200,
    body: { ok: true },
  }),
) {
  const requests: CapturedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const captured = {
        method: req.method ?? "",
        path: req.url ?? "",
        contentType: req.headers["content-type"] ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(captured);
      const answer = reply(captured);
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An HTTP server that reads each request and never answers: a Telegram API or a webhook
 * that hangs. Its connections are dropped at the end.
 */
export async function hangingHttp(): Promise<{
  url: string;
  paths: () => string[];
  close(): Promise<void>;
}> {
  const paths: string[] = [];
  const server: Server = createServer((req) => {
    paths.push(`${req.method ?? ""} ${req.url ?? ""}`);
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths: () => [...paths],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The alert settings that mail a test's SMTP server. */
export const mailSettings = (url: string): Record<string, string> => ({
  SMTP_URL: url,
  ALERT_EMAIL_TO: "trader@example.com",
  ALERT_EMAIL_FROM: "alerts@example.com",
});

/**
 * One simulator and one SMTP server for a test file, started before its tests and closed
 * after; before each test the simulator's scenario and counters are reset and the mails
 * forgotten. `use` receives both once they run.
 */
export function simulatorAndMailForFile(
  use: (sim: Simulator, smtp: Awaited<ReturnType<typeof smtpSink>>) => void,
): void {
  let sim: Simulator | undefined;
  let smtp: Awaited<ReturnType<typeof smtpSink>> | undefined;
  before(async () => {
    sim = await startSimulator();
    smtp = await smtpSink();
    use(sim, smtp);
  });
  after(async () => {
    await smtp?.close();
    await sim?.close();
  });
  beforeEach(() => {
    sim?.setScenario(defaultScenario());
    sim?.resetCounters();
    if (smtp) smtp.mails.length = 0;
  });
}
