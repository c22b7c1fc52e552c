import type { Hono } from "hono";
import { readStatus, readWorker, statusView, type StatusView } from "./status-view.js";
import type { ConsoleScope } from "./runs.js";

/** One account as the console serves it: its id, configured user id, and scope. */
export interface ServedAccount {
  id: string;
  userId: string;
  scope: ConsoleScope;
}

/** Everything `GET /api/accounts` says about one account; never its token. */
async function accountLine(account: ServedAccount, now: Date) {
  const { app } = account.scope;
  const [status, runs, next, worker] = await Promise.all([
    readStatus(app, now),
    account.scope.lastRuns(1),
    account.scope.runSource?.nextRun(),
    readWorker(app, now),
  ]);
  const view: Partial<StatusView> = statusView(app, status, runs[0], next, worker);
  delete view.auth_required; // said once for the list
  return { id: account.id, ...view, user_id: view.user_id ?? account.userId };
}

/**
 * `GET /api/accounts` lists every account (the accounts file's, or the one `default`); each
 * account's endpoints are mounted under `/api/accounts/<id>` by the caller. An unknown id
 * gets a 404 naming the known ids, and the single-account endpoints (`/api/token/…`,
 * `/api/runs…`) a 400 pointing here: nothing is exchanged or started for a guessed account.
 */
export function accountsRoutes(
  api: Hono,
  accounts: ServedAccount[],
  options: {
    now: () => Date;
    authRequired: boolean;
    /** The one KITE_* account: its `/api/token/…` and `/api/runs…` are served too. */
    aliases?: boolean;
  },
): void {
  const ids = accounts.map((a) => a.id);
  api.get("/api/accounts", async (c) => {
    const now = options.now();
    const lines = await Promise.all(accounts.map((a) => accountLine(a, now)));
    return c.json({ accounts: lines, auth_required: options.authRequired });
  });

  const pointHere = {
    error: {
      code: "USAGE",
      message: `This console serves ${accounts.length} account${accounts.length === 1 ? "" : "s"} from the accounts file: list them with GET /api/accounts and use /api/accounts/<id>/token/… and /api/accounts/<id>/runs…`,
      hint: `Accounts: ${ids.join(", ")}.`,
    },
  };
  if (!options.aliases)
    for (const path of ["/api/token/*", "/api/runs", "/api/runs/*", "/api/days"])
      api.all(path, (c) => c.json(pointHere, 400));

  const unknown = (id: string) => ({
    error: {
      code: "NOT_FOUND",
      // The asked id is repeated only when it is a well-formed one.
      message: `No account${/^[\w-]{1,32}$/.test(id) ? ` "${id}"` : ""} in the accounts file. Accounts: ${ids.join(", ")} (GET /api/accounts).`,
    },
  });
  const notFound = (id: string) =>
    ids.includes(id) ? { error: { code: "NOT_FOUND", message: "No such page." } } : unknown(id);
  api.all("/api/accounts/:id", (c) => c.json(notFound(c.req.param("id")), 404));
  api.all("/api/accounts/:id/*", (c) => c.json(notFound(c.req.param("id")), 404));
}
