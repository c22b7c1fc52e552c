import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { expect } from "expect";
import { runProgram } from "../helpers/cli.js";
import { packageRoot } from "../../src/core/package-root.js";

/**
 * The README's shell recipes that need no account, run verbatim, in order, in one shell
 * per block, in a copy of the project as a fresh clone has it (every file git tracks or
 * would track, with this tree's changes), plus the built dist/ and node_modules/ that
 * `npm ci` gives a clone: each block marked `<!-- recipe -->`. `npx kite-token` in a
 * clone installs the project into npx's cache, building it (`prepare`), as it will for
 * the trader.
 *
 * Two commands of the quick start are not run here, and the test says so rather than
 * rewrite them: `npm ci` (CI's .ci/run runs it on a clean clone before the tests) and
 * `npm test` (the run this test is part of). Everything else in a marked block runs as
 * written. `python my_bot.py` is the trader's own bot: the test puts a `python` on the
 * PATH that records the environment it was started with, to check what a bot sees.
 */

const root = packageRoot();
const NOT_RUN_HERE = ["npm ci", "npm test"];

interface Recipe {
  line: number;
  script: string;
}

function recipes(): Recipe[] {
  const lines = readFileSync(path.join(root, "README.md"), "utf8").split("\n");
  const found: Recipe[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "<!-- recipe -->") continue;
    // The block follows its marker (Prettier puts a blank line between them).
    let start = i + 1;
    while (lines[start]?.trim() === "") start++;
    if (lines[start] !== "```sh")
      throw new Error(`README.md:${i + 1}: a recipe marker must precede a sh block`);
    const body: string[] = [];
    let j = start + 1;
    for (; j < lines.length && lines[j] !== "```"; j++) body.push(lines[j] ?? "");
    found.push({ line: start + 2, script: body.join("\n") });
    i = j;
  }
  return found;
}

/** The command a recipe line runs (its `&&` parts that are not run here taken out). */
function runnable(script: string): string {
  return script
    .split("\n")
    .map((line) =>
      line
        .replace(/\s+#.*$/, "")
        .split("&&")
        .map((part) => part.trim())
        .filter((part) => part !== "" && !NOT_RUN_HERE.includes(part))
        .join(" && "),
    )
    .filter((line) => line !== "")
    .join("\n");
}

async function run(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  const result = await runProgram("/bin/bash", ["-e", "-c", script], {
    cwd,
    env,
    timeoutMs: 180_000,
  });
  return { code: result.code, out: result.stdout + result.stderr };
}

describe("the README's recipes", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "kite-token-readme-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("run verbatim from a clone's folder, with no account", async () => {
    const all = recipes();
    // The quick start's block and the bot's two: a marker lost in an edit fails here.
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all[0]?.script).toContain("npm run demo");

    const project = path.join(dir, "kite-token");
    const files = execFileSync(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      {
        cwd: root,
        encoding: "utf8",
      },
    )
      .split("\0")
      .filter((file) => file !== "" && file !== "node_modules");
    for (const file of [...files, "dist"]) {
      try {
        cpSync(path.join(root, file), path.join(project, file), { recursive: true });
      } catch (error) {
        // A file deleted in this tree but not yet in git's index is not part of the clone.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    symlinkSync(path.join(root, "node_modules"), path.join(project, "node_modules"));
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    const seen = path.join(dir, "bot-env");
    writeFileSync(path.join(bin, "python"), `#!/bin/sh\nenv > '${seen}'\n`);
    chmodSync(path.join(bin, "python"), 0o755);

    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:${path.dirname(process.execPath)}:${process.env["PATH"] ?? ""}`,
      HOME: dir,
      npm_config_cache: path.join(dir, "npm-cache"),
      npm_config_update_notifier: "false",
      ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
    };
    for (const recipe of all) {
      const script = runnable(recipe.script);
      const result = await run(script, project, env);
      expect({ line: recipe.line, code: result.code, out: result.out }).toEqual({
        line: recipe.line,
        code: 0,
        out: result.out,
      });
      if (script.includes("npm run demo")) {
        expect(result.out).toContain("Token refreshed for DM1234");
      }
      if (script.includes("kite-token status")) {
        expect(result.out).toMatch(/valid/);
      }
      if (script.includes("python my_bot.py")) {
        const token = JSON.parse(
          readFileSync(path.join(project, "data", "token.json"), "utf8"),
        ) as {
          access_token: string;
          user_id: string;
        };
        const bot = readFileSync(seen, "utf8");
        expect(bot).toContain(`KITE_ACCESS_TOKEN=${token.access_token}\n`);
        expect(bot).toContain(`KITE_USER_ID=${token.user_id}\n`);
        rmSync(seen);
      }
    }
  });
});
