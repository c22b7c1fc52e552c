import { spawnSync } from "node:child_process";
import { cliEnv, runProgram, type CliResult } from "./cli.js";

/**
 * A private mount namespace (`unshare -m`, or `-rm` for a user that is not root): what
 * is mounted in it (a tiny tmpfs to fill, a read-only folder) is seen by its processes
 * only, and gone when they end. A real full disk and a real read-only file system,
 * without touching the machine's own mounts.
 */
const UNSHARE = process.getuid?.() === 0 ? ["-m"] : ["-rm"];

let available: boolean | undefined;

/** Whether this machine lets a process mount a tmpfs in a namespace of its own. */
export function privateMountsAvailable(): boolean {
  available ??=
    spawnSync("unshare", [...UNSHARE, "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"], {
      stdio: "ignore",
      timeout: 10_000,
    }).status === 0;
  return available;
}

/** Shell lines mounting a tmpfs of `kb` KiB on `dir` and filling it: writes then fail with ENOSPC. */
export function fullDisk(dir: string, kb = 64): string {
  return `mount -t tmpfs -o size=${kb}k,mode=0700 tmpfs '${dir}' && { cat /dev/zero > '${dir}/fill' 2>/dev/null || true; }`;
}

/** Shell lines mounting a tmpfs on `dir`, running `prepare` in it, then making it read-only (EROFS). */
export function readOnlyFolder(dir: string, prepare = "true"): string {
  return `mount -t tmpfs -o size=1m,mode=0700 tmpfs '${dir}' && (cd '${dir}' && ${prepare}) && mount -o remount,ro '${dir}'`;
}

/** Runs a shell script in a private mount namespace with only `env`, in `cwd`. */
export function inPrivateMounts(
  script: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 90_000,
): Promise<CliResult> {
  return runProgram("unshare", [...UNSHARE, "sh", "-ec", script], {
    cwd,
    env: cliEnv(env),
    timeoutMs,
  });
}
