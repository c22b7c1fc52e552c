import path from "node:path";

/** The commands this package's npm scripts run (package.json), as a clone's user types them. */
const NPM_SCRIPTS: Record<string, string> = {
  refresh: "npm run refresh",
  demo: "npm run demo",
  worker: "npm start",
};

/** How the person at the terminal started kite-token: a command is named back the same way. */
export type Invocation = "npm" | "npx" | "bin";

export function detectInvocation(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
): Invocation {
  // `npx kite-token` is `npm exec`; `npm run refresh`, `npm start` are scripts of a clone.
  if (env["npm_command"] === "exec") return "npx";
  if (env["npm_lifecycle_event"] && env["npm_command"] && env["npm_command"] !== "exec")
    return "npm";
  // Installed globally (or linked): the bare name is on the PATH.
  return path.basename(argv[1] ?? "") === "kite-token" ? "bin" : "npx";
}

/** `kite-token refresh --force` as this person runs it: `npm run refresh -- --force`, `npx kite-token …`. */
export function commandAs(command: string, how: Invocation): string {
  const rest = command.replace(/^kite-token\b\s*/, "");
  if (how === "bin") return `kite-token${rest ? ` ${rest}` : ""}`;
  const [name = "", ...args] = rest.split(/\s+/).filter(Boolean);
  const script = how === "npm" ? NPM_SCRIPTS[name] : undefined;
  if (script) return args.length > 0 ? `${script} -- ${args.join(" ")}` : script;
  return `npx kite-token${rest ? ` ${rest}` : ""}`;
}

/** Every `` `kite-token …` `` in a text, named as this person runs it. */
export function namedAs(text: string, how: Invocation): string {
  return text.replace(/`(kite-token(?: [^`]*)?)`/g, (_, command: string) => {
    return `\`${commandAs(command, how)}\``;
  });
}
