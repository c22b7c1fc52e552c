import { spawn } from "node:child_process";
import { childEnv } from "../../config/child-env.js";
import type { Config } from "../../config/schema.js";
import type { Logger } from "../../core/log.js";
import type { SecretRedactor } from "../../core/redact.js";
import type { TokenRecord } from "../../adapters/stores/record.js";
import type { PostRefreshRecord } from "../../adapters/state/state.js";

/** What the command's output keeps for the log (its last part, when it says much). */
const OUTPUT_KEEP = 16 * 1024;

export interface PostRefreshInput {
  command: string;
  timeoutMs: number;
  /** The account's id (`default` for the KITE_* account). */
  account: string;
  record: TokenRecord;
  /** The primary store's file, when the primary store is a file. */
  tokenFile: string | undefined;
  /** The variables secrets are read from: none reaches the command. */
  secretVariables: string[];
  logger: Logger;
  redactor: SecretRedactor;
}

/** The primary store's path when it is a file (`KITE_TOKEN_FILE`), else undefined. */
export function primaryTokenFile(config: Config): string | undefined {
  const [primary] = config.delivery.stores;
  return primary?.kind === "file" ? primary.path : undefined;
}

/**
 * POST_REFRESH_COMMAND after a saved token, through `/bin/sh -c`, like certbot's deploy
 * hook: its environment is this process's without any secret (childEnv), plus
 * KITE_ACCOUNT, KITE_USER_ID, KITE_TOKEN_FILE and KITE_EXPIRES_AT; never the token, in
 * its environment or its arguments. Stopped (its whole process group) after `timeoutMs`.
 * Its output goes to the log, redacted. Never throws: a failure is in the result.
 */
export function runPostRefresh(input: PostRefreshInput): Promise<PostRefreshRecord> {
  const started = performance.now();
  // Besides the secret settings: the token itself (`eval "$(kite-token token --env)"` puts
  // it in a shell's KITE_ACCESS_TOKEN), and any variable holding a value the redactor knows.
  const inherited = Object.entries(childEnv([...input.secretVariables, "KITE_ACCESS_TOKEN"]));
  const secrets = [
    ...input.redactor.values(),
    input.record.access_token,
    input.record.public_token,
  ];
  const env: Record<string, string> = {
    ...Object.fromEntries(
      inherited.filter(([, value]) => !secrets.some((secret) => secret && value.includes(secret))),
    ),
    KITE_ACCOUNT: input.account,
    KITE_USER_ID: input.record.user_id,
    KITE_EXPIRES_AT: input.record.expires_at,
    ...(input.tokenFile ? { KITE_TOKEN_FILE: input.tokenFile } : {}),
  };
  if (!input.tokenFile) delete env["KITE_TOKEN_FILE"];
  return new Promise((resolve) => {
    let output = "";
    let timedOut = false;
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEEP);
    };
    const child = spawn("/bin/sh", ["-c", input.command], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, input.timeoutMs);
    const done = (exitCode: number | null, signal: string | null, error?: Error): void => {
      clearTimeout(timer);
      const text = input.redactor.scrub(output.trim());
      const result: PostRefreshRecord = {
        ok: !timedOut && !error && exitCode === 0,
        exit_code: exitCode,
        ...(signal ? { signal } : {}),
        ...(timedOut ? { timed_out: true } : {}),
        ms: Math.round(performance.now() - started),
        ...(text ? { last_line: text.split("\n").at(-1)!.slice(0, 300) } : {}),
      };
      const fields = { ...result, output: text || undefined };
      if (result.ok) input.logger.info(fields, "post-refresh command done");
      else input.logger.warn(fields, "post-refresh command failed");
      resolve(result);
    };
    child.once("error", (error) => done(null, null, error));
    child.once("close", (code, signal) => done(code, signal));
  });
}

/** The warning a failed command leaves on the run (the token stays saved). */
export function postRefreshWarning(result: PostRefreshRecord, timeoutMs: number): string {
  const how = result.timed_out
    ? `was stopped after ${timeoutMs / 1000} s (POST_REFRESH_TIMEOUT_MS)`
    : result.exit_code === null
      ? `could not run${result.signal ? ` (${result.signal})` : ""}`
      : `failed with exit code ${result.exit_code}`;
  return `the post-refresh command (POST_REFRESH_COMMAND) ${how}; the token is saved${result.last_line ? `. Its last line: ${result.last_line}` : ""}`;
}
