import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { parse } from "yaml";
import { looksSecret } from "./dockerfile-rules.js";

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

/** `environment:` as a map, whether written as a map or as a list of `NAME=value`. */
export function environmentOf(service: Json): Record<string, string> {
  const env = service["environment"];
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const [name, ...rest] = String(entry).split("=");
        return [name ?? "", rest.join("=")];
      }),
    );
  }
  return Object.fromEntries(Object.entries(record(env)).map(([k, v]) => [k, String(v ?? "")]));
}

/** Published ports as `{ hostIp, published, target }`, from the short or the long syntax. */
function portsOf(service: Json): Array<{ hostIp: string; text: string }> {
  const ports = Array.isArray(service["ports"]) ? service["ports"] : [];
  return ports.map((port: unknown) => {
    if (typeof port === "object" && port !== null) {
      const p = record(port);
      return { hostIp: String(p["host_ip"] ?? ""), text: JSON.stringify(p) };
    }
    const text = String(port);
    // host_ip:published:target, published:target, or target; IPv6 in brackets.
    const parts = text.replace(/^\[[^\]]*\]/, (ip) => ip.replace(/:/g, "_")).split(":");
    return { hostIp: parts.length === 3 ? (parts[0] ?? "") : "", text };
  });
}

function secretNamesOf(service: Json): string[] {
  const secrets = Array.isArray(service["secrets"]) ? service["secrets"] : [];
  return secrets.map((s: unknown) =>
    typeof s === "string" ? s : String(record(s)["target"] ?? record(s)["source"] ?? ""),
  );
}

/**
 * The five credentials the worker needs and the console's ADMIN_TOKEN (the console listens
 * beyond the container's loopback): each must come from a secret file.
 */
export const CREDENTIAL_VARIABLES = [
  "KITE_API_KEY",
  "KITE_API_SECRET",
  "KITE_USER_ID",
  "KITE_PASSWORD",
  "KITE_TOTP_SECRET",
  "ADMIN_TOKEN",
];

/** The files of `env_file:`, in order, from the short or the long syntax. */
export function envFilesOf(service: Json): string[] {
  const value = service["env_file"];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((entry: unknown) =>
    typeof entry === "string" ? entry : String(record(entry)["path"] ?? ""),
  );
}

/** `${NAME}`, `${NAME:-default}` or `${NAME-default}`: the value of NAME itself, from .env. */
const OWN_INTERPOLATION = /^\$\{([A-Z0-9_]+)(?::?-[^}]*)?\}$/;

/** Every broken rule of the Compose file, as `rule: problem`. */
export function composeProblems(text: string, workerName = "kite-token"): string[] {
  const doc = record(parse(text));
  const services = record(doc["services"]);
  const topSecrets = record(doc["secrets"]);
  const problems: string[] = [];
  const worker = record(services[workerName]);
  if (Object.keys(worker).length === 0) return [`worker: no service named ${workerName}`];

  for (const [name, value] of Object.entries(services)) {
    const service = record(value);
    const restart = String(service["restart"] ?? "no");
    if (!["always", "unless-stopped", "on-failure"].some((p) => restart.startsWith(p))) {
      problems.push(`restart: ${name} has restart ${restart}`);
    }
    for (const port of portsOf(service)) {
      if (port.hostIp !== "127.0.0.1") {
        problems.push(`loopback-only: ${name} publishes ${port.text} beyond 127.0.0.1`);
      }
    }
    const env = environmentOf(service);
    for (const [variable, v] of Object.entries(env)) {
      if (looksSecret(variable) && !variable.endsWith("_FILE") && v !== "") {
        problems.push(`secrets-from-files: ${name} sets ${variable} inline`);
      }
    }
  }

  if (!portsOf(worker).some((p) => p.text.endsWith(":8079") || p.text.includes('"target":8079'))) {
    problems.push("console-port: the worker does not publish the console (8079)");
  }
  const env = environmentOf(worker);
  const mounted = secretNamesOf(worker);
  for (const variable of CREDENTIAL_VARIABLES) {
    const file = env[`${variable}_FILE`];
    const secret = file?.startsWith("/run/secrets/") ? file.slice("/run/secrets/".length) : "";
    if (!secret) {
      problems.push(`secrets-from-files: ${variable}_FILE is not /run/secrets/<name>`);
    } else if (!mounted.includes(secret)) {
      problems.push(
        `secrets-from-files: ${variable}_FILE names ${secret}, not given to the worker`,
      );
    } else if (!String(record(topSecrets[secret])["file"] ?? "").startsWith("./secrets/")) {
      problems.push(`secrets-from-files: secret ${secret} is not a file under ./secrets/`);
    }
  }
  if (!envFilesOf(worker).includes(".env")) {
    problems.push(
      "env-file: the worker does not read .env (env_file), so its settings never arrive",
    );
  }
  for (const [variable, value] of Object.entries(env)) {
    if (variable.endsWith("_FILE")) continue;
    if (OWN_INTERPOLATION.exec(value)?.[1] !== variable) {
      problems.push(
        `env-passes-through: environment sets ${variable} to ${JSON.stringify(value)}, over the value .env gives it`,
      );
    }
  }
  const volumes = Array.isArray(worker["volumes"]) ? worker["volumes"] : [];
  const dataMounted = volumes.some((v: unknown) =>
    typeof v === "string" ? v.split(":")[1] === "/data" : record(v)["target"] === "/data",
  );
  if (!dataMounted) problems.push("data-volume: nothing mounted at /data");
  return problems;
}

/** Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}` against the project's .env. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Za-z0-9_]+)(?:(:?)-([^}]*))?\}/g,
    (_, name: string, colon: string | undefined, fallback: string | undefined) => {
      const set = vars[name];
      if (fallback === undefined) return set ?? "";
      return set === undefined || (colon === ":" && set === "") ? fallback : set;
    },
  );
}

export interface ContainerSetup {
  /** The environment the worker's process starts with. */
  env: Record<string, string>;
  /** Each mounted secret: its path in the container, the host file it shows. */
  secrets: Record<string, string>;
}

/**
 * What the worker container of the Compose file gets, as Compose builds it: the image's
 * `ENV` (the Dockerfile's final stage), overlaid by each `env_file` (read as the tool reads a
 * .env, with dotenv: the same for plain and quoted values), overlaid by `environment:`
 * interpolated against the project's `.env`; and its secrets, mounted at /run/secrets/.
 */
export function containerSetup(
  composeText: string,
  imageEnv: Record<string, string>,
  projectDir: string,
  workerName = "kite-token",
): ContainerSetup {
  const doc = record(parse(composeText));
  const worker = record(record(doc["services"])[workerName]);
  const read = (file: string): Record<string, string> => {
    const full = path.resolve(projectDir, file);
    return existsSync(full) ? parseDotenv(readFileSync(full)) : {};
  };
  const projectVars = read(".env");
  const env: Record<string, string> = { ...imageEnv };
  for (const file of envFilesOf(worker)) Object.assign(env, read(file));
  for (const [name, value] of Object.entries(environmentOf(worker)))
    env[name] = interpolate(value, projectVars);
  const topSecrets = record(doc["secrets"]);
  const secrets: Record<string, string> = {};
  for (const name of secretNamesOf(worker)) {
    const file = String(record(topSecrets[name])["file"] ?? "");
    if (file) secrets[`/run/secrets/${name}`] = path.resolve(projectDir, file);
  }
  return { env, secrets };
}
