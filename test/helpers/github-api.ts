import { createServer, type IncomingMessage, type Server } from "node:http";
import sodium from "libsodium-wrappers";

export interface FakeGithub {
  /** The API base URL, with a GitHub Enterprise-like path prefix. */
  apiUrl: string;
  /** Secrets received, decrypted with the server's private key. */
  secrets: Map<string, string>;
  /** Requests seen, as `METHOD path`. */
  requests: string[];
  /** Replies to fail with, one per request, before answering normally. */
  failNext: number[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text;
}

/**
 * A loopback stand-in for GitHub's Actions secrets API: it hands out a curve25519 public
 * key it generated and opens each sealed box with the private key.
 */
export async function startFakeGithub(options: {
  owner: string;
  repo: string;
  token: string;
}): Promise<FakeGithub> {
  await sodium.ready;
  const keys = sodium.crypto_box_keypair();
  const keyId = "568250167242549743";
  const prefix = "/api/v3";
  const base = `${prefix}/repos/${options.owner}/${options.repo}/actions/secrets`;
  const fake: Omit<FakeGithub, "apiUrl" | "close"> = {
    secrets: new Map(),
    requests: [],
    failNext: [],
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await body(req);
      fake.requests.push(`${req.method ?? ""} ${req.url ?? ""}`);
      const reply = (status: number, value?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(value === undefined ? "" : JSON.stringify(value));
      };
      const failure = fake.failNext.shift();
      if (failure !== undefined) return reply(failure, { message: "Server Error" });
      if (req.headers.authorization !== `Bearer ${options.token}`) {
        return reply(401, { message: "Bad credentials" });
      }
      if (req.method === "GET" && req.url === `${base}/public-key`) {
        return reply(200, {
          key_id: keyId,
          key: sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL),
        });
      }
      const name = req.url?.startsWith(`${base}/`) ? req.url.slice(base.length + 1) : "";
      if (req.method === "PUT" && /^[A-Z_]+$/.test(name)) {
        const put = JSON.parse(text) as { encrypted_value: string; key_id: string };
        if (put.key_id !== keyId) return reply(422, { message: "Bad key_id" });
        const sealed = sodium.from_base64(put.encrypted_value, sodium.base64_variants.ORIGINAL);
        const opened = sodium.crypto_box_seal_open(sealed, keys.publicKey, keys.privateKey);
        const existed = fake.secrets.has(name);
        fake.secrets.set(name, sodium.to_string(opened));
        return reply(existed ? 204 : 201);
      }
      return reply(404, { message: "Not Found" });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    ...fake,
    apiUrl: `http://127.0.0.1:${port}${prefix}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
