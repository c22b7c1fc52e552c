import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { packageRoot } from "../core/package-root.js";

/**
 * What the browser login looks for on Kite's pages, read from `config/selectors.json`
 * (the known variants) and an optional SELECTORS_FILE over it. The second-factor box has
 * drifted the most (#totp, #pin, a numeric input, even a reused #userid), so it is found
 * as the visible input of the 2FA form rather than by id.
 */
export interface LoginSelectors {
  userId: string;
  password: string;
  submit: string;
  twofaForm: string;
  twofaInput: string;
  twofaSubmit: string;
  authorizeButton: string;
  error: string;
  /** Requests whose JSON replies tell what happened at each step. */
  loginApiPath: RegExp;
  twofaApiPath: RegExp;
  /** DevTools URL patterns of Kite's password and second-factor endpoints (the gate pauses these). */
  passwordUrlPattern: string;
  twofaUrlPattern: string;
  /** Texts of the 2FA form telling an app-code account from an external-TOTP one. */
  appCodeText: RegExp;
  totpText: RegExp;
}

/** A selector: one string, or its known variants (any of them matches). */
const selector = z
  .union([z.string().trim().min(1), z.array(z.string().trim().min(1)).min(1)], {
    message: "must be a selector or a non-empty list of selectors",
  })
  .transform((value) => (Array.isArray(value) ? value.join(", ") : value));

/** A regular expression's source, as text. */
const pattern = (flags: string) =>
  z.string().transform((source, ctx) => {
    try {
      return new RegExp(source, flags);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not a valid regular expression" });
      return z.NEVER;
    }
  });

const SelectorsShape = {
  userId: selector,
  password: selector,
  submit: selector,
  twofaForm: selector,
  twofaInput: selector,
  twofaSubmit: selector,
  authorizeButton: selector,
  error: selector,
  loginApiPath: pattern(""),
  twofaApiPath: pattern(""),
  passwordUrlPattern: z.string().trim().min(1, "must not be empty"),
  twofaUrlPattern: z.string().trim().min(1, "must not be empty"),
  appCodeText: pattern("i"),
  totpText: pattern("i"),
};
const SelectorsSchema = z.strictObject(SelectorsShape);
/** An override names only what it changes; unknown keys (typos) are refused. */
const OverrideSchema = z.strictObject(SelectorsShape).partial();

export interface SelectorsReading {
  selectors: LoginSelectors | undefined;
  /** Every problem at once, each naming the file and the key. */
  problems: string[];
}

function readJson(file: string, problems: string[], name: string): unknown {
  if (!existsSync(file)) {
    problems.push(`${name} points at ${file}, which does not exist`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    problems.push(`${name} ${file} cannot be read (${reason})`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    problems.push(`${name} ${file} is not valid JSON (${(error as Error).message})`);
    return undefined;
  }
}

function issues(name: string, file: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join(".") : "the file";
    const message =
      issue.code === "unrecognized_keys"
        ? `has unknown key(s) ${issue.keys.join(", ")}`
        : issue.code === "invalid_type" && issue.input === undefined
          ? "is required"
          : issue.message;
    return `${name} ${file}: ${where} ${message}`;
  });
}

/**
 * The selectors: `selectors.json` in `configDir` (default: the package's `config/`), with
 * the keys of `overrideFile` (SELECTORS_FILE) replacing the defaults'.
 */
export function readSelectors(
  options: { configDir?: string; overrideFile?: string | undefined } = {},
): SelectorsReading {
  const problems: string[] = [];
  const defaultsFile = path.join(
    options.configDir ?? path.join(packageRoot(), "config"),
    "selectors.json",
  );
  const defaults = SelectorsSchema.safeParse(
    readJson(defaultsFile, problems, "the shipped selectors"),
  );
  if (!defaults.success && problems.length === 0)
    problems.push(...issues("the shipped selectors", defaultsFile, defaults.error));
  let override: z.infer<typeof OverrideSchema> = {};
  if (options.overrideFile) {
    const raw = readJson(options.overrideFile, problems, "SELECTORS_FILE");
    if (raw !== undefined) {
      const parsed = OverrideSchema.safeParse(raw);
      if (parsed.success) override = parsed.data;
      else problems.push(...issues("SELECTORS_FILE", options.overrideFile, parsed.error));
    }
  }
  if (!defaults.success || problems.length > 0) return { selectors: undefined, problems };
  // JSON holds no undefined: each key the override names replaces the default.
  return { selectors: { ...defaults.data, ...override } as LoginSelectors, problems };
}

/** The shipped selectors (`config/selectors.json`) alone. */
export function defaultSelectors(): LoginSelectors {
  const { selectors, problems } = readSelectors();
  if (!selectors)
    throw new Error(`kite-token: the shipped selectors are broken: ${problems.join("; ")}`);
  return selectors;
}
