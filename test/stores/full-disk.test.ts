import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { expect } from "expect";
import { fullDisk, inPrivateMounts, privateMountsAvailable } from "../helpers/mounts.js";
import { tempDir } from "../helpers/setup.js";

const mounts = privateMountsAvailable()
  ? {}
  : { skip: "this machine cannot mount a tmpfs in a private mount namespace (unshare -m)" };

const built = (module: string): string =>
  fileURLToPath(new URL(`../../src/${module}`, import.meta.url));

/**
 * Each store's write on a real full disk (a filled tmpfs), in a process of its own: the
 * token file, the .env (written before the disk filled) and the state file.
 */
const SCRIPT = `
const [{ FileTokenStore }, { DotenvTokenSink }, { StateFile }] = await Promise.all([
  import(${JSON.stringify(built("adapters/stores/file.js"))}),
  import(${JSON.stringify(built("adapters/stores/dotenv.js"))}),
  import(${JSON.stringify(built("adapters/state/state.js"))}),
]);
const dir = process.env.DATA;
const record = {
  access_token: "a".repeat(32), public_token: "p", user_id: "AB1234", user_name: "T",
  api_key: "k", login_time: "2026-12-02T08:30:05+05:30", expires_at: "2099-12-03T06:00:00+05:30",
  saved_at: "2026-12-02T08:30:06+05:30",
};
const failure = (p) => p.then(() => ({ ok: true }), (e) => ({ code: e.code, message: e.message }));
const run = { started_at: "x", ended_at: "x", trigger: "cli", outcome: "failed", totp_submissions: 0, steps: [] };
console.log(JSON.stringify({
  file: await failure(new FileTokenStore(dir + "/token.json").write(record)),
  dotenv: await failure(new DotenvTokenSink(dir + "/.env").write(record)),
  state: await failure(new StateFile(dir + "/state.json").recordRun(run)),
  listing: (await import("node:fs")).readdirSync(dir).sort(),
  env: (await import("node:fs")).readFileSync(dir + "/.env", "latin1"),
}));
`;

describe("the stores on a full disk", () => {
  it(
    "every write fails as STORE_FAILED naming the file and ENOSPC, and leaves no temporary file",
    mounts,
    async () => {
      const dir = tempDir();
      const data = path.join(dir, "data");
      mkdirSync(data);
      const env = "BOT=1\nKITE_ACCESS_TOKEN=old\n";
      const result = await inPrivateMounts(
        `mount -t tmpfs -o size=64k,mode=0700 tmpfs '${data}'
       printf '${env.replace(/\n/g, "\\n")}' > '${data}/.env'
       ${fullDisk(data).replace(/^mount [^&]*&& /, "")}
       node --input-type=module -e '${SCRIPT.replace(/'/g, "'\\''")}'`,
        { DATA: data },
        dir,
      );
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
      const {
        listing,
        env: after,
        ...writes
      } = JSON.parse(result.stdout) as Record<string, { code: string; message: string }> & {
        listing: string[];
        env: string;
      };
      const enospc = "no space left on device (ENOSPC).";
      expect(writes).toEqual({
        file: {
          code: "STORE_FAILED",
          message: `The token could not be written to ${data}/token.json: ${enospc}`,
        },
        dotenv: {
          code: "STORE_FAILED",
          message: `The token could not be written to ${data}/.env: ${enospc}`,
        },
        state: {
          code: "STORE_FAILED",
          message: expect.stringContaining(`${data}/`) as unknown as string,
        },
      });
      expect(writes["state"]?.message).toContain(enospc);
      // Only what was there before: no temporary file, no empty lock file.
      expect(listing).toEqual([".env", "fill"]);
      expect(after).toBe(env);
    },
  );
});
