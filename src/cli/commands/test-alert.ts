import { verifyChannels } from "../../runner/alerts/check.js";
import type { ChannelResult } from "../../runner/alerts/types.js";
import { KiteTokenError } from "../../core/errors.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { counted, EXIT_FAILED, EXIT_OK } from "../output.js";

/** Sends a test alert through every channel (or, with --verify, checks them without sending). */
export async function testAlertCommand(
  global: GlobalOptions,
  options: { verify?: boolean; json?: boolean },
): Promise<number> {
  const { app, out } = commandContext(global);
  const alerts = await app.alerts();
  if (alerts.channels.length === 0) {
    throw new KiteTokenError(
      "CONFIG_INVALID",
      "No alert channel is configured. Set SMTP_URL, TELEGRAM_BOT_TOKEN or ALERT_WEBHOOK_URL (see docs/alerts.md).",
    );
  }
  let results: ChannelResult[];
  try {
    if (!options.json) {
      out.line(
        options.verify
          ? `Checking ${counted(alerts.channels.length, "alert channel")} without sending…`
          : `Sending a test alert through ${counted(alerts.channels.length, "channel")}…`,
      );
    }
    results = options.verify
      ? await verifyChannels(alerts.channels, app.redactor)
      : await alerts.test();
  } finally {
    alerts.close();
  }
  if (options.json) {
    out.json(results);
  } else {
    for (const r of results) {
      const tries = !r.ok && r.attempts > 1 ? ` (${r.attempts} tries)` : "";
      out.line(
        `  ${r.ok ? "ok  " : "FAIL"}  ${r.channel.padEnd(9)} ${r.target}: ${r.detail}${tries}`,
      );
    }
  }
  return results.every((r) => r.ok) ? EXIT_OK : EXIT_FAILED;
}
