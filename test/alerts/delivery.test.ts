import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import pino from "pino";
import { HttpLogin } from "../../src/adapters/login/http.js";
import { refresh, type RunReport } from "../../src/pipeline/refresh.js";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { CompositeTokenStore } from "../../src/adapters/stores/composite.js";
import { DotenvTokenSink } from "../../src/adapters/stores/dotenv.js";
import { FileTokenStore } from "../../src/adapters/stores/file.js";
import { StateFile } from "../../src/adapters/state/state.js";
import { smtpSink } from "../helpers/alert-servers.js";
import { depsFor, fastClock, tempDir } from "../helpers/setup.js";
import { emailTo, MemoryStateStore, serviceWith } from "./helpers.js";

let sim: Simulator;
let smtp: Awaited<ReturnType<typeof smtpSink>>;
before(async () => {
  [sim, smtp] = await Promise.all([startSimulator(), smtpSink()]);
});
after(async () => {
  await Promise.all([sim.close(), smtp.close()]);
});

describe("a secondary store that fails", () => {
  it("is recorded in the run history and told once by alert, however many runs fail to deliver", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    // The bot's .env does not exist: that copy fails, the token file takes the token.
    const missingEnv = path.join(dir, "bot", ".env");
    const store = new CompositeTokenStore(
      new FileTokenStore(tokenFile),
      [new DotenvTokenSink(missingEnv)],
      { logger: pino({ level: "silent" }), retryDelayMs: 10 },
    );
    const { service } = serviceWith([emailTo(smtp)], { store: new MemoryStateStore() });
    const reports: RunReport[] = [];
    const deps = {
      ...depsFor(sim, tokenFile, { clock: fastClock() }),
      login: new HttpLogin(),
      store,
    };
    for (let run = 0; run < 2; run++) {
      const report = await refresh(deps, { force: true });
      reports.push(report);
      if (report.ok) await service.onRunOutcome({ ok: true, outcome: report.outcome });
    }
    service.close();

    const runs = (await new StateFile(path.join(dir, "state.json")).read()).runs;
    expect(runs.map((r) => r.outcome)).toEqual(["refreshed", "refreshed"]);
    for (const run of runs) {
      expect(run.stores).toEqual([
        { name: `file:${tokenFile}`, ok: true, attempts: 1 },
        { name: `dotenv:${missingEnv}`, ok: false, attempts: 3, error_code: "STORE_FAILED" },
      ]);
    }
    expect(reports.map((r) => r.ok && r.outcome.stores?.[1]?.ok)).toEqual([false, false]);

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.parsed.subject).toBe(
      `kite-token: ${sim.account.userId} token saved, NOT delivered to dotenv:${missingEnv}`,
    );
    expect(mail.parsed.text).toContain("STORE_FAILED after 3 attempts");
    const token = reports[1]?.ok ? reports[1].outcome.record.access_token : "none";
    expect(mail.parsed.text).not.toContain(token);
  });
});
