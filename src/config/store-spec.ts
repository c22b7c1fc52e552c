/** TOKEN_STORES entries, parsed without loading any store's adapter. */

export type StoreKind = "file" | "dotenv" | "redis" | "github";

export type StoreSpec =
  | { kind: "file"; path: string }
  | { kind: "dotenv"; path: string }
  | { kind: "redis"; url: string }
  | { kind: "github"; owner: string; repo: string };

/** Stores a token can be read back from; only these can come first in TOKEN_STORES. */
export const READABLE_KINDS: ReadonlySet<StoreKind> = new Set<StoreKind>(["file", "redis"]);

const GITHUB_NAME = /^[A-Za-z0-9_.-]+$/;

/** Text with any `user:password@` of a URL in it masked, for messages. */
export function withoutCredentials(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, "//…@");
}

/** One TOKEN_STORES entry; throws a plain Error whose message says what is wrong. */
export function parseStoreSpec(entry: string): StoreSpec {
  const raw = entry.trim();
  // The entry as messages quote it: a password inside is never shown.
  const text = withoutCredentials(raw);
  if (/^rediss?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new Error(`"${redisDisplayName(raw)}" is not a valid Redis URL`);
    }
    return { kind: "redis", url: raw };
  }
  const colon = raw.indexOf(":");
  const kind = colon < 0 ? "" : raw.slice(0, colon);
  const rest = colon < 0 ? "" : raw.slice(colon + 1).trim();
  if (kind === "file" || kind === "dotenv") {
    if (!rest) throw new Error(`"${text}" needs a path (${kind}:PATH)`);
    return { kind, path: rest };
  }
  if (kind === "github") {
    const [owner, repo, ...more] = rest.split("/");
    if (!owner || !repo || more.length > 0 || !GITHUB_NAME.test(owner) || !GITHUB_NAME.test(repo))
      throw new Error(`"${text}" must be github:OWNER/REPO`);
    return { kind, owner, repo };
  }
  throw new Error(
    `"${text}" is not a store: use file:PATH, dotenv:PATH, redis://HOST:PORT or github:OWNER/REPO`,
  );
}

/** TOKEN_STORES: comma-separated entries, the first (readable) one primary. */
export function parseStoreList(text: string): StoreSpec[] {
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (entries.length === 0) throw new Error("lists no store");
  const specs = entries.map(parseStoreSpec);
  const first = specs[0];
  if (first && !READABLE_KINDS.has(first.kind)) {
    throw new Error(
      `starts with a ${first.kind} store, which cannot be read back; put a file: or redis:// store first`,
    );
  }
  return specs;
}

/** The Redis store other machines share, if any: the login lock and 2FA budget live there too. */
export function sharedRedisStore(
  stores: readonly StoreSpec[],
): Extract<StoreSpec, { kind: "redis" }> | undefined {
  return stores.find((s): s is Extract<StoreSpec, { kind: "redis" }> => s.kind === "redis");
}

/** A Redis URL as shown in messages: without its password. */
export function redisDisplayName(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    parsed.username = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "redis://(invalid URL)";
  }
}

/** The password inside a Redis URL, to hand to the redactor. */
export function redisPassword(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}
