import type { App } from "../runner/app.js";
import { verifyChannels } from "../runner/alerts/check.js";
import type { AlertChannelName } from "../runner/alerts/types.js";
import type { StoreKind, StoreSpec } from "../config/store-spec.js";
import { fail, pass, reasonOf, resultsOf, type CheckResult } from "./types.js";

export const alerting = resultsOf("alerts", "alerts");

const CHANNEL_FIXES: Record<AlertChannelName, string> = {
  email:
    "check SMTP_URL (host, port, user and app password) and that the server is reachable from here; `kite-token test-alert` sends a real test message",
  telegram:
    "check TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (send /start to the bot first); `kite-token test-alert` sends a real test message",
  webhook: "check ALERT_WEBHOOK_URL; `kite-token test-alert` sends a real test message",
};

/** Each configured alert channel, checked without sending anything. */
export async function checkAlerts(app: App): Promise<CheckResult[]> {
  const alerts = await app.alerts();
  try {
    if (alerts.channels.length === 0) {
      return [
        alerting.skip(
          "no alert channel configured (SMTP_URL, TELEGRAM_BOT_TOKEN or ALERT_WEBHOOK_URL): a failed morning would go unnoticed",
        ),
      ];
    }
    const results = await verifyChannels(alerts.channels, app.redactor);
    return results.map((r) => {
      const title = `alert ${r.channel}`;
      const detail = `${r.target}: ${r.detail}`;
      return r.ok
        ? pass("alerts", title, detail)
        : fail("alerts", title, detail, CHANNEL_FIXES[r.channel]);
    });
  } finally {
    alerts.close();
  }
}

const STORE_FIXES: Record<StoreKind, (spec: StoreSpec) => string> = {
  file: () =>
    "make the folder writable by this user (in Docker: the /data volume, owned by uid 1000), or point TOKEN_FILE / TOKEN_STORES elsewhere",
  dotenv: (spec) =>
    `create the file and make it writable by this user (touch ${"path" in spec ? spec.path : "PATH"})`,
  redis: () =>
    "check the Redis URL in TOKEN_STORES (host, port, password) and that Redis runs: redis-cli -u URL ping",
  github: () =>
    "check GITHUB_TOKEN (it needs write access to the repository's Actions secrets) and the owner/repo in TOKEN_STORES",
};

/** Every store reachable and writable, by a probe that never touches the token. */
export async function checkStores(app: App): Promise<CheckResult[]> {
  const specs = app.config.delivery.stores;
  return Promise.all(
    app.store.stores.map(async (store, i) => {
      const title = `store ${store.name}`;
      try {
        return pass("stores", title, await store.probe());
      } catch (error) {
        const spec = specs[i];
        const fix = spec ? STORE_FIXES[spec.kind](spec) : "check TOKEN_STORES";
        return fail("stores", title, reasonOf(error), fix);
      }
    }),
  );
}
