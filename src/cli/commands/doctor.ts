import type { CheckResult } from "../../doctor/types.js";
import { runDoctor } from "../../doctor/run.js";
import { SecretRedactor } from "../../redact.js";
import type { GlobalOptions } from "../context.js";
import { EXIT_FAILED, EXIT_OK, Output } from "../output.js";

const TITLE_WIDTH = 14;
const MARKS: Record<CheckResult["status"], string> = { pass: "ok  ", fail: "FAIL", skip: "skip" };

/** Checks everything a morning login needs, without logging in; exit 1 when a check fails. */
export async function doctorCommand(
  global: GlobalOptions,
  options: { json?: boolean; account?: string },
): Promise<number> {
  const redactor = new SecretRedactor();
  const out = new Output(redactor);
  if (!options.json) {
    out.line("Checking what tomorrow's login needs (a dry run: nothing is submitted to Kite)…");
  }
  const results = await runDoctor({
    redactor,
    account: options.account,
    logLevel: global.verbose ? "debug" : "silent",
  });
  const failed = results.filter((r) => r.status === "fail").length;
  if (options.json) {
    out.json({ ok: failed === 0, checks: results });
  } else {
    for (const r of results) {
      out.line(`  ${MARKS[r.status]}  ${r.title.padEnd(TITLE_WIDTH)}  ${r.detail}`);
      if (r.fix) out.line(`        fix: ${r.fix}`);
    }
    out.line(
      failed === 0
        ? `All ${results.length - results.filter((r) => r.status === "skip").length} checks passed.`
        : `${failed} of ${results.length} checks failed.`,
    );
  }
  return failed === 0 ? EXIT_OK : EXIT_FAILED;
}
