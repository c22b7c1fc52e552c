import { KiteTokenError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import { DotenvTokenSink } from "./dotenv.js";
import { FileTokenStore } from "./file.js";
import { GithubSecretsSink } from "./github.js";
import { RedisTokenStore } from "./redis.js";
import type { RedisConnections } from "./redis-connections.js";
import type { StoreSpec } from "../../config/store-spec.js";
import type { TokenSink, TokenStore } from "./types.js";

export interface StoreDeps {
  redis: RedisConnections;
  /** The account whose token a Redis store reads (KITE_USER_ID). */
  userId: string | undefined;
  github: { token: string | undefined; apiUrl: string; timeoutMs: number };
  logger?: Logger;
  /** Many accounts: the suffix of the dotenv variables and GitHub secrets (`MAIN`). */
  variableSuffix?: string;
}

export function createSink(spec: StoreSpec, deps: StoreDeps): TokenSink {
  switch (spec.kind) {
    case "dotenv":
      return new DotenvTokenSink(spec.path, deps.variableSuffix);
    case "github": {
      if (!deps.github.token) {
        throw new KiteTokenError(
          "CONFIG_INVALID",
          `GITHUB_TOKEN is required for the github:${spec.owner}/${spec.repo} store.`,
        );
      }
      return new GithubSecretsSink({
        owner: spec.owner,
        repo: spec.repo,
        token: deps.github.token,
        apiUrl: deps.github.apiUrl,
        timeoutMs: deps.github.timeoutMs,
        ...(deps.variableSuffix ? { suffix: deps.variableSuffix } : {}),
      });
    }
    default:
      return createReadableStore(spec, deps);
  }
}

export function createReadableStore(spec: StoreSpec, deps: StoreDeps): TokenStore {
  switch (spec.kind) {
    case "file":
      return new FileTokenStore(spec.path);
    case "redis":
      return new RedisTokenStore({
        url: spec.url,
        connections: deps.redis,
        userId: deps.userId,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
    default:
      throw new KiteTokenError(
        "CONFIG_INVALID",
        `A ${spec.kind} store cannot be read back; put a file: or redis:// store first in TOKEN_STORES.`,
      );
  }
}
