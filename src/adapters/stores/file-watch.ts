import { mkdirSync, watch } from "node:fs";
import path from "node:path";
import { toKiteTokenError } from "../../core/errors.js";
import type { TokenRecord } from "./record.js";
import type { StopWatching, WatchHandlers } from "./types.js";

/**
 * Watches a token file written by rename (so the folder is watched, not the file's
 * inode) and reports each new token once.
 */
export function watchTokenFile(
  file: string,
  read: () => Promise<TokenRecord | undefined>,
  handlers: WatchHandlers,
): Promise<StopWatching> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let last: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    read().then(
      (record) => {
        if (!record) return;
        const id = `${record.access_token}\u0000${record.saved_at}`;
        if (id === last) return;
        last = id;
        handlers.onChange(record);
      },
      (error: unknown) =>
        handlers.onError?.(
          toKiteTokenError(error, "STORE_FAILED", `The token file ${file} cannot be read.`),
        ),
    );
  };
  return read()
    .catch(() => undefined)
    .then((current) => {
      if (current) last = `${current.access_token}\u0000${current.saved_at}`;
      const watcher = watch(dir, { persistent: true }, (_event, name) => {
        if (name !== null && name !== base) return;
        clearTimeout(timer);
        timer = setTimeout(check, 25);
      });
      return async () => {
        clearTimeout(timer);
        watcher.close();
      };
    });
}
