import type { CheckResult } from "../../doctor/types.js";
import { runDoctor } from "../../doctor/run.js";
import { SecretRedactor } from "../../core/redact.js";
import type { GlobalOptions } from "../context.js";
import { counted, EXIT_FAILED, EXIT_OK, Output } from "../output.js";

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
  const count = (status: CheckResult["status"]): number =>
    results.filter((r) => r.status === status).length;
  const summary = { passed: count("pass"), failed: count("fail"), skipped: count("skip") };
  if (options.json) {
    out.json({ ok: summary.failed === 0, summary, checks: results });
  } else {
    for (const r of results) {
      out.line(`  ${MARKS[r.status]}  ${r.title.padEnd(TITLE_WIDTH)}  ${r.detail}`);
      if (r.fix) out.line(`        fix: ${r.fix}`);
    }
    out.line(summaryLine(summary, results.length));
  }
  return summary.failed === 0 ? EXIT_OK : EXIT_FAILED;
}

/** `All 10 checks passed.`, `9 checks passed, 1 skipped.`, `1 of 10 checks failed (8 passed, 1 skipped).` */
export function summaryLine(
  { passed, failed, skipped }: { passed: number; failed: number; skipped: number },
  total: number,
): string {
  if (failed > 0) {
    const rest = [`${passed} passed`, ...(skipped > 0 ? [`${skipped} skipped`] : [])];
    return `${failed} of ${counted(total, "check")} failed (${rest.join(", ")}).`;
  }
  if (skipped > 0) return `${counted(passed, "check")} passed, ${skipped} skipped.`;
  return passed === 1 ? "The check passed." : `All ${passed} checks passed.`;
}
