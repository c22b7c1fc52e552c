import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { lstat, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createBrotliDecompress } from "node:zlib";
import { KiteTokenError } from "../../core/errors.js";

/**
 * The npm package that ships a headless Chromium inside it (an optional dependency:
 * `npm ci` brings it on Node 22 and later, the Docker image leaves it out). It holds the
 * browser as one brotli-compressed executable, `bin/chromium.br`, unpacked here once.
 */
export const BUNDLED_PACKAGE = "@sparticuz/chromium";

export interface BundledPackage {
  /** Its version (the Chromium major it ships, e.g. 153.0.0). */
  version: string;
  /** The compressed browser inside the package. */
  archive: string;
}

/** The bundled package `npm ci` installed, or undefined when it is not installed. */
export function bundledPackage(
  resolve: (specifier: string) => string = (s) => import.meta.resolve(s),
): BundledPackage | undefined {
  let entry: string;
  try {
    entry = fileURLToPath(resolve(BUNDLED_PACKAGE));
  } catch {
    return undefined;
  }
  // The package's entry is build/index.js; its root holds package.json and bin/.
  const root = path.resolve(path.dirname(entry), "..");
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      name?: unknown;
      version?: unknown;
    };
    if (manifest.name !== BUNDLED_PACKAGE || typeof manifest.version !== "string") return undefined;
    return { version: manifest.version, archive: path.join(root, "bin", "chromium.br") };
  } catch {
    return undefined;
  }
}

/**
 * Where the unpacked browser is kept: a folder of this user's own in the OS temporary
 * folder, one subfolder per version. Not the package's folder (often not writable by the
 * user who runs the tool, e.g. under systemd), and not the package's own choice,
 * `$TMPDIR/chromium`, which any local user could plant a program at.
 */
export function bundledCacheRoot(tmp: string = os.tmpdir()): string {
  return path.join(tmp, `kite-token-${process.getuid?.() ?? "user"}`);
}

/** A partial unpack older than this was left by a process that died; newer ones may be in progress. */
const STALE_PARTIAL_MS = 10 * 60_000;

function notUsable(message: string, cause?: unknown): KiteTokenError {
  return new KiteTokenError("BROWSER_NOT_FOUND", message, cause ? { cause } : undefined);
}

/** Creates `dir` (0700) and checks it is a real folder of this user that nobody else can write. */
async function privateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw notUsable(
      `${dir} is not a private folder of this user (a symbolic link, another user's, or writable by others), so the bundled Chromium is not unpacked there. Remove it, or set BROWSER_PATH.`,
    );
  }
}

async function isUnpacked(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    return info.isFile() && info.size > 0 && (info.mode & 0o100) !== 0;
  } catch {
    return false;
  }
}

/** Removes what earlier runs left: partial unpacks of dead processes, other versions. */
async function tidy(root: string, dir: string, now = Date.now()): Promise<void> {
  for (const name of await readdir(dir).catch(() => [])) {
    if (!name.endsWith(".partial")) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_PARTIAL_MS) await rm(file, { force: true });
  }
  for (const name of await readdir(root).catch(() => [])) {
    if (name.startsWith("chromium-") && path.join(root, name) !== dir) {
      await rm(path.join(root, name), { recursive: true, force: true });
    }
  }
}

/**
 * The bundled Chromium's executable, unpacked on first use (about 200 MB, 1.5–2.5 s) and
 * kept: a later run finds it unpacked and starts at once. The unpack is written to a
 * partial file, synced and renamed into place, so a crash never leaves a broken browser and
 * two processes unpacking at once each end with a whole one.
 */
export async function unpackedBundledChromium(
  bundled: BundledPackage,
  root: string = bundledCacheRoot(),
): Promise<string> {
  const dir = path.join(root, `chromium-${bundled.version}`);
  const executable = path.join(dir, "chromium");
  try {
    await privateFolder(root);
    await privateFolder(dir);
  } catch (error) {
    if (error instanceof KiteTokenError) throw error;
    throw notUsable(`The bundled Chromium cannot be unpacked into ${dir}.`, error);
  }
  if (await isUnpacked(executable)) return executable;
  const partial = path.join(dir, `chromium.${process.pid}.${randomUUID()}.partial`);
  try {
    await pipeline(
      createReadStream(bundled.archive),
      createBrotliDecompress(),
      // flush: synced before it closes, so the rename below never publishes a hollow file.
      createWriteStream(partial, { flags: "wx", mode: 0o700, flush: true }),
    );
    await rename(partial, executable);
  } catch (error) {
    await rm(partial, { force: true });
    throw notUsable(
      `The bundled Chromium (${bundled.archive}) could not be unpacked into ${dir} (it needs about 250 MB free there).`,
      error,
    );
  }
  await tidy(root, dir);
  return executable;
}
