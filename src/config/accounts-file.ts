import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { totpSecretProblem } from "./totp-key.js";
import { DEFAULT_ACCOUNTS_FILE } from "./accounts.js";
import type { KiteCredentials } from "./credentials.js";

/** One account of `config/accounts.json`, its secrets resolved. */
export interface AccountSettings {
  /** Short name: token paths, variable suffixes, log and alert lines. */
  id: string;
  /**
   * From an accounts file (its own paths, its id in alerts and output); false for the
   * one account of the KITE_* variables, `default`, which keeps today's paths.
   */
  named: boolean;
  /** Complete for an accounts file's entry; the KITE_* account's may lack some. */
  credentials: Partial<KiteCredentials>;
  redirectUrl?: string | undefined;
  loginUrl?: string | undefined;
  apiRoot?: string | undefined;
  /** The account's own POST_REFRESH_COMMAND (default: the global one). */
  postRefreshCommand?: string | undefined;
  /** Where an accounts file's entry reads each secret from, for its hints (see inAccountTerms). */
  sources?: SecretSources | undefined;
}

/** By the KITE_* variable a hint names: the variable or file this account reads it from. */
export type SecretSources = Partial<Record<string, string>>;

/** Each secret comes from a named variable (`<field>_env`) or a file (`<field>_file`). */
const SECRET_FIELDS = {
  user_id: "userId",
  password: "password",
  totp_secret: "totpSecret",
  api_key: "apiKey",
  api_secret: "apiSecret",
} as const satisfies Record<string, keyof KiteCredentials>;
type SecretField = keyof typeof SECRET_FIELDS;

/** `password` → `KITE_PASSWORD`: the single account's variable for a field. */
const kiteVariable = (field: SecretField): string => `KITE_${field.toUpperCase()}`;

/**
 * A hint written for the KITE_* variables, in an accounts file's account's terms: each
 * KITE_USER_ID, KITE_PASSWORD, KITE_TOTP_SECRET, KITE_API_KEY or KITE_API_SECRET becomes the
 * variable or file the account's entry names for it.
 */
export function inAccountTerms(text: string, sources: SecretSources | undefined): string {
  if (!sources) return text;
  return text.replace(
    /\bKITE_(USER_ID|PASSWORD|TOTP_SECRET|API_KEY|API_SECRET)\b/g,
    (name) => sources[name] ?? name,
  );
}

/** Where an entry reads each secret from: `ACME_PASSWORD`, or `the file /run/secrets/pw`. */
function sourcesOf(entry: Entry, cwd: string): SecretSources {
  return Object.fromEntries(
    (Object.keys(SECRET_FIELDS) as SecretField[]).flatMap((field) => {
      const fromEnv = entry[`${field}_env`];
      const fromFile = entry[`${field}_file`];
      if (fromEnv) return [[kiteVariable(field), fromEnv]];
      if (fromFile) return [[kiteVariable(field), `the file ${path.resolve(cwd, fromFile)}`]];
      return [];
    }),
  );
}

const name = z.string().trim().min(1, "must not be empty");
const url = z
  .string()
  .trim()
  .refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), "must be an http(s) URL");

const secretSources = Object.fromEntries(
  Object.keys(SECRET_FIELDS).flatMap((f) => [
    [`${f}_env`, name.optional()],
    [`${f}_file`, name.optional()],
  ]),
) as Record<`${SecretField}_${"env" | "file"}`, z.ZodOptional<typeof name>>;

const AccountEntry = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, "must be 1-32 letters, digits, - or _"),
    redirect_url: url.optional(),
    login_url: url.optional(),
    api_root: url.optional(),
    post_refresh_command: name.optional(),
    ...secretSources,
  })
  .strict();

const AccountsFile = z.object({ accounts: z.array(AccountEntry).min(1, "lists no account") });
type Entry = z.infer<typeof AccountEntry>;

/** Where the accounts file is: ACCOUNTS_FILE, else `config/accounts.json` when it exists. */
export function accountsFilePath(file: string | undefined, cwd: string): string | undefined {
  if (file) return path.resolve(cwd, file);
  const fallback = path.resolve(cwd, DEFAULT_ACCOUNTS_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

function zodProblems(error: z.ZodError, where: string, entries: unknown): string[] {
  return error.issues.map((issue) => {
    const [, index, field] = issue.path;
    const list = Array.isArray(entries) ? entries : [];
    const id = typeof index === "number" ? (list[index] as { id?: unknown } | undefined)?.id : "";
    const who = typeof index === "number" ? `account ${String(id ?? `#${index + 1}`)}` : where;
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.join(", ");
      return `${who}: unknown field${issue.keys.length > 1 ? "s" : ""} ${keys} (secrets are never written in the file: use <field>_env or <field>_file)`;
    }
    return `${who}: ${field === undefined ? "" : `${String(field)} `}${issue.message}`;
  });
}

/** A secret's file, without its final newline; `setting` names it in the problem when unreadable. */
export function readSecretFile(
  file: string,
  cwd: string,
  setting: string,
  problems: string[],
): string | undefined {
  const resolved = path.resolve(cwd, file);
  try {
    return readFileSync(resolved, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    problems.push(`${setting} points at ${resolved}, which cannot be read (${reason})`);
    return undefined;
  }
}

function resolveSecret(
  entry: Entry,
  field: SecretField,
  env: Record<string, string | undefined>,
  cwd: string,
  problems: string[],
): string | undefined {
  const fromEnv = entry[`${field}_env`];
  const fromFile = entry[`${field}_file`];
  const who = `account ${entry.id}`;
  if (fromEnv && fromFile) {
    problems.push(`${who}: ${field}_env and ${field}_file are both set; keep only one`);
    return undefined;
  }
  if (fromEnv) {
    const value = env[fromEnv];
    if (value === undefined || value.trim() === "")
      problems.push(`${who}: ${field}_env names ${fromEnv}, which is not set`);
    return value?.trim() === "" ? undefined : value;
  }
  if (fromFile) return readSecretFile(fromFile, cwd, `${who}: ${field}_file`, problems);
  problems.push(`${who}: ${field}_env or ${field}_file is required`);
  return undefined;
}

function toAccount(
  entry: Entry,
  env: Record<string, string | undefined>,
  cwd: string,
  problems: string[],
): AccountSettings | undefined {
  const before = problems.length;
  const values: Partial<KiteCredentials> = {};
  for (const [field, key] of Object.entries(SECRET_FIELDS) as [
    SecretField,
    keyof KiteCredentials,
  ][]) {
    const value = resolveSecret(entry, field, env, cwd, problems);
    if (value !== undefined) values[key] = key === "password" ? value : value.trim();
  }
  if (values.userId) values.userId = values.userId.toUpperCase();
  const totpProblem = values.totpSecret ? totpSecretProblem(values.totpSecret) : undefined;
  if (totpProblem) problems.push(`account ${entry.id}: totp_secret ${totpProblem}`);
  if (problems.length > before) return undefined;
  return {
    id: entry.id,
    named: true,
    credentials: values,
    redirectUrl: entry.redirect_url,
    loginUrl: entry.login_url,
    apiRoot: entry.api_root?.replace(/\/+$/, ""),
    postRefreshCommand: entry.post_refresh_command,
    sources: sourcesOf(entry, cwd),
  };
}

/**
 * Reads and checks the accounts file; every problem is listed (by account id and field,
 * never with a secret's value) and the accounts are returned only when there is none.
 */
export function readAccounts(
  file: string,
  env: Record<string, string | undefined>,
  cwd: string,
): { accounts: AccountSettings[] | undefined; problems: string[]; variables: string[] } {
  const where = `ACCOUNTS_FILE ${file}`;
  const refused = (problems: string[]) => ({ accounts: undefined, problems, variables: [] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code ?? `not valid JSON: ${(error as Error).message}`;
    return refused([`${where} cannot be read (${reason})`]);
  }
  const checked = AccountsFile.safeParse(parsed);
  if (!checked.success) {
    const entries = (parsed as { accounts?: unknown } | null)?.accounts;
    return refused(zodProblems(checked.error, where, entries));
  }
  // The variables the accounts' secrets are read from: kept from child processes.
  const variables = checked.data.accounts.flatMap((entry) =>
    Object.keys(SECRET_FIELDS).flatMap((f) => entry[`${f as SecretField}_env`] ?? []),
  );
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of checked.data.accounts) {
    const key = entry.id.toLowerCase();
    if (seen.has(key)) problems.push(`account ${entry.id}: the id is used twice`);
    seen.add(key);
  }
  const accounts = checked.data.accounts.map((e) => toAccount(e, env, cwd, problems));
  const users = accounts.map((a) => a?.credentials.userId).filter((u) => u !== undefined);
  for (const user of new Set(users.filter((u, i) => users.indexOf(u) !== i)))
    problems.push(`user id ${user} is listed by more than one account`);
  if (problems.length > 0) return { accounts: undefined, problems, variables };
  return { accounts: accounts as AccountSettings[], problems, variables };
}
