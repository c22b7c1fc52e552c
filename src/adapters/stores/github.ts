import { z } from "zod";
import { KiteTokenError } from "../../core/errors.js";
import { suffixed } from "./dotenv.js";
import type { TokenRecord } from "./record.js";
import type { TokenSink } from "./types.js";

export interface GithubSinkOptions {
  owner: string;
  repo: string;
  /** A token allowed to write the repository's Actions secrets. */
  token: string;
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiUrl: string;
  timeoutMs: number;
  /** Many accounts: secrets named `KITE_ACCESS_TOKEN_<SUFFIX>` and `KITE_USER_ID_<SUFFIX>`. */
  suffix?: string;
}

const PublicKeySchema = z.object({ key_id: z.string().min(1), key: z.string().min(1) });

/** Encrypts a secret for GitHub: a libsodium sealed box to the repository's public key. */
export async function sealForGithub(value: string, publicKeyBase64: string): Promise<string> {
  const { default: sodium } = await import("libsodium-wrappers");
  await sodium.ready;
  const key = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), key);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}

/** Updates the repository's Actions secrets `KITE_ACCESS_TOKEN` and `KITE_USER_ID`. */
export class GithubSecretsSink implements TokenSink {
  readonly name: string;

  constructor(private readonly options: GithubSinkOptions) {
    this.name = `github:${options.owner}/${options.repo}`;
  }

  get #repoUrl(): string {
    const { apiUrl, owner, repo } = this.options;
    return `${apiUrl.replace(/\/+$/, "")}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  }

  async #call(method: "GET" | "PUT", url: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: "application/vnd.github+json",
          authorization: `Bearer ${this.options.token}`,
          "x-github-api-version": "2022-11-28",
          "user-agent": "kite-token",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new KiteTokenError("STORE_FAILED", `GitHub could not be reached for ${this.name}.`, {
        cause: error,
        retryable: true,
      });
    }
    if (!response.ok) {
      const said = await response.text().catch(() => "");
      const advice =
        response.status === 401 || response.status === 403 || response.status === 404
          ? " Check GITHUB_TOKEN: it needs write access to the repository's Actions secrets."
          : "";
      throw new KiteTokenError(
        "STORE_FAILED",
        `GitHub answered ${response.status} for ${this.name} (${method} ${new URL(url).pathname}).${advice}`,
        { status: response.status, retryable: response.status >= 500, cause: said.slice(0, 300) },
      );
    }
    return response;
  }

  /** The repository's public key; STORE_FAILED saying `problem` when the reply lacks it. */
  async #publicKey(problem: string): Promise<z.infer<typeof PublicKeySchema>> {
    const reply = await this.#call("GET", `${this.#repoUrl}/actions/secrets/public-key`);
    const parsed = PublicKeySchema.safeParse(await reply.json().catch(() => undefined));
    if (!parsed.success) {
      throw new KiteTokenError("STORE_FAILED", `GitHub's public key for ${this.name} ${problem}.`);
    }
    return parsed.data;
  }

  /** Reads the repository's public key: the token and the repository are right, nothing written. */
  async probe(): Promise<string> {
    await this.#publicKey("is unreadable");
    return `${this.name}: the repository's public key was read`;
  }

  async write(record: TokenRecord): Promise<void> {
    const { key_id, key } = await this.#publicKey("came back without key_id and key");
    const suffix = this.options.suffix ?? "";
    const secrets = {
      [suffixed("KITE_ACCESS_TOKEN", suffix)]: record.access_token,
      [suffixed("KITE_USER_ID", suffix)]: record.user_id,
    };
    for (const [secret, value] of Object.entries(secrets)) {
      await this.#call("PUT", `${this.#repoUrl}/actions/secrets/${secret}`, {
        encrypted_value: await sealForGithub(value, key),
        key_id,
      });
    }
  }
}
