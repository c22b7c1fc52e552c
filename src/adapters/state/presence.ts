import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { z } from "zod";
import { writeFileAtomic } from "../stores/file.js";
import { formatIst, formatIstShort } from "../../core/time.js";

/** How often a running worker says it is still there. */
export const PRESENCE_INTERVAL_MS = 30_000;
/** A worker not seen for this long is taken as gone (a machine that died, a SIGKILL). */
export const PRESENCE_STALE_MS = 3 * PRESENCE_INTERVAL_MS;

const PresenceSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  started_at: z.string(),
  last_seen: z.string(),
  /** Set when it stopped (SIGTERM, SIGINT). */
  stopped_at: z.string().optional(),
});
export type Presence = z.infer<typeof PresenceSchema>;

/** Whether a worker is running, as `status`, `health --json`, the API and the console tell it. */
export interface WorkerSeen {
  running: boolean;
  pid: number | null;
  host: string | null;
  started_at: string | null;
  /** The last time it was seen (its stop, when it stopped). */
  last_seen: string | null;
  /** `worker running since …` or `no worker seen since …`. */
  text: string;
}

/** The worker's presence file, next to its state: pid, host, started, last seen. */
export class PresenceFile {
  constructor(readonly path: string) {}

  /** The presence written last; undefined when there is none (or it cannot be read). */
  async read(): Promise<Presence | undefined> {
    try {
      const parsed = PresenceSchema.safeParse(JSON.parse(await readFile(this.path, "utf8")));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  write(presence: Presence): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify(presence, null, 2)}\n`);
  }

  /** What it says about a worker at `now`. */
  async seen(now = new Date()): Promise<WorkerSeen> {
    return workerSeen(await this.read(), now);
  }
}

/** Whether the process is alive on this machine (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function workerSeen(presence: Presence | undefined, now: Date): WorkerSeen {
  if (!presence) {
    return {
      running: false,
      pid: null,
      host: null,
      started_at: null,
      last_seen: null,
      text: "no worker seen",
    };
  }
  const lastSeen = presence.stopped_at ?? presence.last_seen;
  const gone =
    presence.stopped_at !== undefined ||
    now.getTime() - Date.parse(presence.last_seen) > PRESENCE_STALE_MS ||
    (presence.host === hostname() && !alive(presence.pid));
  const where = `pid ${presence.pid} on ${presence.host}`;
  return {
    running: !gone,
    pid: presence.pid,
    host: presence.host,
    started_at: presence.started_at,
    last_seen: lastSeen,
    text: gone
      ? `no worker seen since ${formatIstShort(new Date(lastSeen))} (${where})`
      : `worker running since ${formatIstShort(new Date(presence.started_at))} (${where})`,
  };
}

export interface RunningPresence {
  /** Writes the stop: `status` then says no worker is running. */
  stop(): Promise<void>;
}

/**
 * Keeps this process's presence: written now, then every PRESENCE_INTERVAL_MS (a timer that
 * never keeps the process alive), and its stop on `stop()`. Never throws; a presence that
 * cannot be written is told to `onError`.
 */
export async function keepPresence(
  file: PresenceFile,
  onError: (error: unknown) => void,
): Promise<RunningPresence> {
  const started = formatIst(new Date());
  const presence = (): Presence => ({
    pid: process.pid,
    host: hostname(),
    started_at: started,
    last_seen: formatIst(new Date()),
  });
  const write = (p: Presence): Promise<void> => file.write(p).catch(onError);
  await write(presence());
  const timer = setInterval(() => void write(presence()), PRESENCE_INTERVAL_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      const now = formatIst(new Date());
      await write({ ...presence(), last_seen: now, stopped_at: now });
    },
  };
}
