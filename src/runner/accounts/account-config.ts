import path from "node:path";
import type { Config } from "../../config/schema.js";
import type { StoreSpec } from "../../config/store-spec.js";
import type { AccountSettings } from "../../config/accounts-file.js";

/** `data/token.json` → `data/<id>/token.json`: one folder per account beside the usual file. */
export function accountPath(file: string, id: string): string {
  return path.join(path.dirname(file), id, path.basename(file));
}

/** The dotenv variables' and GitHub secrets' suffix: `main` → `MAIN`, `ops-2` → `OPS_2`. */
export function variableSuffix(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

function accountStore(spec: StoreSpec, id: string): StoreSpec {
  // Redis keys are already per user (kite:token:<user_id>); dotenv and GitHub get suffixes.
  return spec.kind === "file" ? { kind: "file", path: accountPath(spec.path, id) } : spec;
}

/**
 * One account's configuration: its credentials and app, its own token key in every store,
 * its own lock, state (run history, 2FA budget), alert state and failure artifacts.
 */
export function accountConfig(base: Config, account: AccountSettings): Config {
  if (!account.named) return base;
  const { id } = account;
  return {
    ...base,
    account: { id, variableSuffix: variableSuffix(id), sources: account.sources },
    kite: {
      ...account.credentials,
      loginUrl: account.loginUrl ?? base.kite.loginUrl,
      apiRoot: account.apiRoot ?? base.kite.apiRoot,
      redirectUrl: account.redirectUrl ?? base.kite.redirectUrl,
    },
    tokenFile: accountPath(base.tokenFile, id),
    delivery: { ...base.delivery, stores: base.delivery.stores.map((s) => accountStore(s, id)) },
    worker: {
      ...base.worker,
      stateFile: accountPath(base.worker.stateFile, id),
      lockFile: accountPath(base.worker.lockFile, id),
      artifactsDir: path.join(base.worker.artifactsDir, id),
    },
    alerts: { ...base.alerts, stateFile: accountPath(base.alerts.stateFile, id) },
    monitoring: {
      ...base.monitoring,
      postRefreshCommand: account.postRefreshCommand ?? base.monitoring.postRefreshCommand,
    },
  };
}
