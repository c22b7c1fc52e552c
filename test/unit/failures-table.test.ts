import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { ERROR_CODES } from "../../src/core/errors.js";
import { packageRoot } from "../../src/core/package-root.js";

/** The rows of every Markdown table in the README and docs/. */
function tableRows(): string[] {
  const root = packageRoot();
  const docs = readdirSync(path.join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => path.join(root, "docs", name));
  return [path.join(root, "README.md"), ...docs]
    .flatMap((file) => readFileSync(file, "utf8").split("\n"))
    .filter((line) => line.startsWith("| "));
}

describe("the failures table", () => {
  it("has a row for every error code a trader can meet", () => {
    const rows = tableRows();
    const missing = Object.keys(ERROR_CODES).filter(
      (code) => !rows.some((row) => row.split("|")[1]?.includes(`\`${code}\``)),
    );
    expect(missing).toEqual([]);
  });
});
