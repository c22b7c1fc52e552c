import path from "node:path";
import { Copy, DockerfileParser, type Instruction } from "dockerfile-ast";

/** One build stage: its FROM and the instructions after it, up to the next FROM. */
export interface Stage {
  name: string | undefined;
  image: string;
  tag: string | undefined;
  digest: string | undefined;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  /** ARGs before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const froms = dockerfile.getFROMs();
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const from = froms.find((f) => f.getRange().start.line === instruction.getRange().start.line);
      if (!from) throw new Error(`unparsed FROM at line ${instruction.getRange().start.line + 1}`);
      stages.push({
        name: from.getBuildStage() ?? undefined,
        image: from.getImageName() ?? "",
        tag: from.getImageTag() ?? undefined,
        digest: from.getImageDigest() ?? undefined,
        instructions: [],
      });
    } else if (stages.length === 0) {
      globalArgs.push(instruction);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** The words of an instruction's arguments, as written (shell form). */
export function words(instruction: Instruction): string[] {
  return instruction.getArguments().map((a) => a.getValue());
}

/** An exec-form (`["a", "b"]`) or shell-form argument list, as the command it runs. */
export function commandOf(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string")) {
      throw new Error(`not an exec-form list of strings: ${trimmed}`);
    }
    return parsed;
  }
  return ["/bin/sh", "-c", trimmed];
}

function raw(instruction: Instruction): string {
  return instruction.getRawArgumentsContent() ?? "";
}

function inStage(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword);
}

/** Each shell command of every RUN in the stage (split on `&&`, `;`, `||`). */
function shellCommands(stage: Stage): string[][] {
  return inStage(stage, "RUN").flatMap((run) =>
    raw(run)
      .replace(/\\\r?\n/g, " ")
      .split(/&&|\|\||;/)
      .map((part) => part.trim().split(/\s+/).filter(Boolean))
      .filter((part) => part.length > 0),
  );
}

function aptInstalled(stage: Stage): { packages: string[]; noRecommends: boolean } {
  const installs = shellCommands(stage).filter(
    (c) => (c[0] === "apt-get" || c[0] === "apt") && c.includes("install"),
  );
  return {
    packages: installs.flatMap((c) =>
      c.slice(c.indexOf("install") + 1).filter((w) => !w.startsWith("-")),
    ),
    noRecommends:
      installs.length > 0 && installs.every((c) => c.includes("--no-install-recommends")),
  };
}

function envNames(instruction: Instruction): string[] {
  // ENV A=1 B=2, ENV A 1 (legacy), ARG A, ARG A=1
  const ws = words(instruction);
  if (instruction.getKeyword() === "ENV" && ws.length > 0 && !ws[0]?.includes("=")) {
    return ws[0] ? [ws[0]] : [];
  }
  return ws.map((w) => w.split("=")[0] ?? "").filter(Boolean);
}

const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOTP|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL/i;
const NOT_SECRET = new Set(["TOKEN_FILE", "TOKEN_STORES"]);

/** Whether a variable's name says it holds a secret (and so must never be baked into an image). */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET.has(name.toUpperCase());
}

/** Every `ENV NAME=value` of the stage, later ones winning, as the image's environment. */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of inStage(stage, "ENV")) {
    for (const w of words(instruction)) {
      const [key, ...rest] = w.split("=");
      if (key) env[key] = rest.join("=");
    }
  }
  return env;
}

function envValue(stage: Stage, name: string): string | undefined {
  return stageEnv(stage)[name];
}

const ROOT_USERS = new Set(["root", "0"]);

export interface Rule {
  name: string;
  /** A problem, or undefined when the Dockerfile follows the rule. */
  check(parsed: ParsedDockerfile): string | undefined;
}

/** The container's rules; each problem names its rule. */
export const DOCKERFILE_RULES: Rule[] = [
  {
    name: "multi-stage",
    check: ({ stages }) =>
      stages.length >= 2
        ? undefined
        : `${stages.length} stage(s); build and runtime must be separate`,
  },
  {
    name: "pinned-base",
    check: ({ stages }) => {
      const final = stages.at(-1);
      if (!final) return "no FROM";
      if (final.digest?.startsWith("sha256:")) return undefined;
      if (final.tag && /^\d+\.\d+\.\d+-/.test(final.tag)) return undefined;
      return `the final stage's base ${final.image}:${final.tag ?? "(no tag)"} is not pinned to a full version (x.y.z-variant) or a digest`;
    },
  },
  {
    name: "non-root-user",
    check: ({ stages }) => {
      const users = inStage(stages.at(-1) ?? emptyStage(), "USER").map((u) => raw(u).trim());
      const last = users.at(-1);
      if (last === undefined) return "the final stage has no USER; it would run as root";
      const user = last.split(":")[0] ?? "";
      return ROOT_USERS.has(user) ? `the final stage runs as ${last}` : undefined;
    },
  },
  {
    name: "healthcheck",
    check: ({ stages }) => {
      const checks = inStage(stages.at(-1) ?? emptyStage(), "HEALTHCHECK");
      const last = checks.at(-1);
      if (!last) return "no HEALTHCHECK in the final stage";
      const text = raw(last).replace(/\\\r?\n/g, " ");
      const match = /(?:^|\s)CMD\s+(.*)$/s.exec(text);
      if (!match?.[1]) return `HEALTHCHECK has no CMD: ${text}`;
      const command = commandOf(match[1]);
      return command.includes("health") ? undefined : `HEALTHCHECK does not call health: ${text}`;
    },
  },
  {
    name: "data-volume",
    check: ({ stages }) => {
      const volumes = inStage(stages.at(-1) ?? emptyStage(), "VOLUME").flatMap((v) => {
        const text = raw(v).trim();
        return text.startsWith("[") ? commandOf(text) : text.split(/\s+/);
      });
      return volumes.includes("/data") ? undefined : "no VOLUME /data in the final stage";
    },
  },
  {
    name: "data-paths",
    check: ({ stages }) => {
      const final = stages.at(-1) ?? emptyStage();
      const outside = ["TOKEN_FILE", "STATE_FILE", "ARTIFACTS_DIR"].filter(
        (name) => !envValue(final, name)?.startsWith("/data/"),
      );
      return outside.length === 0 ? undefined : `${outside.join(", ")} not under /data/`;
    },
  },
  {
    name: "init",
    check: ({ stages }) => {
      const final = stages.at(-1) ?? emptyStage();
      const entrypoint = inStage(final, "ENTRYPOINT").at(-1);
      if (!entrypoint) return "no ENTRYPOINT in the final stage";
      const text = raw(entrypoint);
      if (!text.trim().startsWith("["))
        return "ENTRYPOINT is in shell form; signals would not reach node";
      const first = commandOf(text)[0] ?? "";
      if (path.basename(first) !== "tini") return `ENTRYPOINT starts with ${first}, not tini`;
      return aptInstalled(final).packages.includes("tini") ? undefined : "tini is not installed";
    },
  },
  {
    name: "chromium",
    check: ({ stages }) => {
      const final = stages.at(-1) ?? emptyStage();
      const apt = aptInstalled(final);
      if (!apt.packages.includes("chromium-headless-shell"))
        return "chromium-headless-shell is not installed in the final stage";
      if (!apt.noRecommends) return "apt-get install without --no-install-recommends";
      return envValue(final, "BROWSER_PATH") === "/usr/bin/chromium-headless-shell"
        ? undefined
        : "BROWSER_PATH is not /usr/bin/chromium-headless-shell";
    },
  },
  {
    name: "no-bundled-browser",
    check: ({ stages }) => {
      const npm = shellCommands(stages.at(-1) ?? emptyStage()).filter(
        (c) => c[0] === "npm" && c[1] === "ci",
      );
      return npm.length > 0 && npm.every((c) => c.includes("--omit=optional"))
        ? undefined
        : "the final stage's npm ci installs the optional bundled Chromium (add --omit=optional)";
    },
  },
  {
    name: "console-host",
    check: ({ stages }) =>
      envValue(stages.at(-1) ?? emptyStage(), "HOST") === "0.0.0.0"
        ? undefined
        : "HOST is not 0.0.0.0: the console would listen on the container's loopback, which a published port never reaches",
  },
  {
    name: "timezone",
    check: ({ stages }) => {
      const final = stages.at(-1) ?? emptyStage();
      if (!aptInstalled(final).packages.includes("tzdata")) return "tzdata is not installed";
      return envValue(final, "TZ") === "Asia/Kolkata" ? undefined : "TZ is not Asia/Kolkata";
    },
  },
  {
    name: "production-install",
    check: ({ stages }) => {
      const final = stages.at(-1) ?? emptyStage();
      const npm = shellCommands(final).filter(
        (c) => c[0] === "npm" && ["ci", "install", "i"].includes(c[1] ?? ""),
      );
      if (npm.length === 0) return "the final stage installs no dependencies";
      const bad = npm.find(
        (c) => c[1] !== "ci" || !c.includes("--omit=dev") || !c.includes("--ignore-scripts"),
      );
      if (bad) return `not a production-only install: ${bad.join(" ")}`;
      const copied = inStage(final, "COPY").flatMap((c) => words(c).slice(0, -1));
      if (copied.some((source) => source.includes("node_modules")))
        return "the final stage copies node_modules (dev dependencies would come along)";
      const fromBuild = inStage(final, "COPY").filter(
        (c) => c instanceof Copy && c.getFromFlag()?.getValue() === stages[0]?.name,
      );
      return fromBuild.some((c) => words(c).includes("/app/dist"))
        ? undefined
        : "the final stage does not copy dist/ from the build stage";
    },
  },
  {
    name: "build-stage",
    check: ({ stages }) => {
      const build = stages.length >= 2 ? stages[0] : undefined;
      if (!build) return "no separate build stage";
      const commands = shellCommands(build).map((c) => c.join(" "));
      if (!commands.some((c) => c.startsWith("npm ci") && !c.includes("--omit=dev")))
        return "the build stage does not install dev dependencies (npm ci)";
      return commands.includes("npm run build")
        ? undefined
        : "the build stage does not run npm run build";
    },
  },
  {
    name: "no-secret-in-env-or-arg",
    check: ({ globalArgs, stages }) => {
      const declared = [...globalArgs, ...stages.flatMap((s) => s.instructions)]
        .filter((i) => i.getKeyword() === "ENV" || i.getKeyword() === "ARG")
        .flatMap(envNames);
      const secret = declared.filter(looksSecret);
      return secret.length === 0 ? undefined : `secret-looking ENV/ARG: ${secret.join(", ")}`;
    },
  },
  {
    name: "default-command",
    check: ({ stages }) => {
      const cmd = inStage(stages.at(-1) ?? emptyStage(), "CMD").at(-1);
      if (!cmd) return "no CMD";
      const command = commandOf(raw(cmd));
      return command.length === 1 && command[0] === "worker"
        ? undefined
        : `CMD is ${JSON.stringify(command)}, not ["worker"]`;
    },
  },
];

function emptyStage(): Stage {
  return { name: undefined, image: "", tag: undefined, digest: undefined, instructions: [] };
}

/** Every broken rule, as `rule: problem`. */
export function dockerfileProblems(text: string): string[] {
  const parsed = parseDockerfile(text);
  return DOCKERFILE_RULES.flatMap((rule) => {
    const problem = rule.check(parsed);
    return problem === undefined ? [] : [`${rule.name}: ${problem}`];
  });
}
