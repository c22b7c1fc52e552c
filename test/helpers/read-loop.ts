/**
 * A bot in another process reading the token file in a tight loop: counts reads, parse
 * failures and distinct tokens, and prints them as JSON when told to stop (SIGTERM).
 */
import { readFileSync } from "node:fs";

// `node --test build/test/` loads every file here: without its argument this is not a run.
if (process.argv[2] === undefined) process.exit(0);
const file = process.argv[2] ?? "";
let reads = 0;
let missing = 0;
const failures: string[] = [];
const tokens = new Set<string>();
let stopping = false;

process.on("SIGTERM", () => {
  stopping = true;
});

function loop(): void {
  for (let i = 0; i < 200; i++) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      missing++;
      continue;
    }
    reads++;
    try {
      const record = JSON.parse(text) as { access_token?: unknown };
      if (typeof record.access_token !== "string") failures.push(text.slice(0, 80));
      else tokens.add(record.access_token);
    } catch {
      failures.push(text.slice(0, 80));
    }
  }
  if (stopping) {
    process.stdout.write(`${JSON.stringify({ reads, missing, failures, tokens: tokens.size })}\n`);
    process.exit(0);
  }
  setImmediate(loop);
}
process.stdout.write("ready\n");
loop();
