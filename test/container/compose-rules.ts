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

/** The five credentials the worker needs, each of which must come from a secret file. */
export const CREDENTIAL_VARIABLES = [
  "KITE_API_KEY",
  "KITE_API_SECRET",
  "KITE_USER_ID",
  "KITE_PASSWORD",
  "KITE_TOTP_SECRET",
];

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
  const volumes = Array.isArray(worker["volumes"]) ? worker["volumes"] : [];
  const dataMounted = volumes.some((v: unknown) =>
    typeof v === "string" ? v.split(":")[1] === "/data" : record(v)["target"] === "/data",
  );
  if (!dataMounted) problems.push("data-volume: nothing mounted at /data");
  return problems;
}
