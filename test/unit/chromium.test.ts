import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { brotliCompressSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { findChromium, describeBrowser } from "../../src/adapters/login/chromium.js";
import {
  bundledPackage,
  unpackedBundledChromium,
  type BundledPackage,
} from "../../src/adapters/login/bundled-chromium.js";
import { tempDir } from "../helpers/setup.js";

function fakeExecutable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, "#!/bin/sh\n");
  chmodSync(file, 0o755);
  return file;
}

/** A package like the bundled one: its browser a small program, brotli-compressed. */
function fakeBundle(version = "153.0.0", program = "#!/bin/sh\necho bundled\n"): BundledPackage {
  const archive = path.join(tempDir("kt-bundle-"), "chromium.br");
  writeFileSync(archive, brotliCompressSync(Buffer.from(program)));
  return { version, archive };
}

// No Playwright browser of its own in these tests, whatever this machine has.
let previousBrowsers: string | undefined;
before(() => {
  previousBrowsers = process.env["PLAYWRIGHT_BROWSERS_PATH"];
  process.env["PLAYWRIGHT_BROWSERS_PATH"] = tempDir();
});
after(() => {
  if (previousBrowsers === undefined) delete process.env["PLAYWRIGHT_BROWSERS_PATH"];
  else process.env["PLAYWRIGHT_BROWSERS_PATH"] = previousBrowsers;
});

describe("findChromium", () => {
  it("uses BROWSER_PATH first, and names it when it is not executable", async () => {
    const dir = tempDir();
    const exe = fakeExecutable(dir, "my-chrome");
    expect(await findChromium(exe, "")).toEqual({ executablePath: exe, source: "BROWSER_PATH" });
    await expect(findChromium(path.join(dir, "missing"), "")).rejects.toMatchObject({
      code: "BROWSER_NOT_FOUND",
      message: expect.stringContaining(`BROWSER_PATH is set to ${path.join(dir, "missing")}`),
    });
  });

  it("finds a system Chromium on the PATH, in order of preference", async () => {
    const dir = tempDir();
    const chrome = fakeExecutable(path.join(dir, "b"), "google-chrome");
    const chromium = fakeExecutable(path.join(dir, "a"), "chromium");
    expect(await findChromium(undefined, `${path.join(dir, "b")}:${path.join(dir, "a")}`)).toEqual({
      executablePath: chromium,
      source: "system-chromium",
    });
    expect(await findChromium(undefined, path.join(dir, "b"))).toEqual({
      executablePath: chrome,
      source: "system-chromium",
    });
  });

  it("prefers the headless shell to the full browser, wherever each is on the PATH", async () => {
    const dir = tempDir();
    fakeExecutable(path.join(dir, "full"), "chromium");
    const shell = fakeExecutable(path.join(dir, "shell"), "chromium-headless-shell");
    const envPath = `${path.join(dir, "full")}:${path.join(dir, "shell")}`;
    expect(await findChromium(undefined, envPath, { bundled: () => fakeBundle() })).toEqual({
      executablePath: shell,
      source: "system-headless-shell",
    });
  });

  it("takes the bundled Chromium only when the system has none", async () => {
    const dir = tempDir();
    const cacheRoot = path.join(tempDir(), "cache");
    const bundle = fakeBundle();
    const system = fakeExecutable(path.join(dir, "bin"), "chromium");
    expect(
      await findChromium(undefined, path.join(dir, "bin"), { bundled: () => bundle, cacheRoot }),
    ).toEqual({ executablePath: system, source: "system-chromium" });
    expect(existsSync(cacheRoot)).toBe(false);

    const found = await findChromium(undefined, path.join(dir, "empty"), {
      bundled: () => bundle,
      cacheRoot,
    });
    expect(found).toEqual({
      executablePath: path.join(cacheRoot, "chromium-153.0.0", "chromium"),
      source: "bundled",
    });
    expect(describeBrowser(found)).toBe(
      `${found.executablePath} (bundled: @sparticuz/chromium from npm)`,
    );
  });

  it("fails naming every place when none has a browser", async () => {
    await expect(
      findChromium(undefined, tempDir(), { bundled: () => undefined }),
    ).rejects.toMatchObject({
      code: "BROWSER_NOT_FOUND",
      message: expect.stringMatching(
        /BROWSER_PATH is not set, none of chromium-headless-shell, chrome-headless-shell, chromium, chromium-browser, google-chrome.* is on the PATH, Playwright has no browser of its own installed, and the bundled Chromium \(@sparticuz\/chromium.*\) is not installed/,
      ),
    });
  });
});

describe("the bundled Chromium", () => {
  it("is the package npm installed (Node 22 or later installs it)", () => {
    const bundled = bundledPackage();
    if (!bundled) {
      throw new Error(
        "@sparticuz/chromium is not installed: npm installs this optional dependency only on Node 22 or later; run npm ci with Node 22+",
      );
    }
    expect(bundled.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(statSync(bundled.archive).size).toBeGreaterThan(10_000_000);
    expect(bundledPackage(() => "file:///nowhere/build/index.js")).toBeUndefined();
    expect(
      bundledPackage(() => {
        throw new Error("Cannot find package");
      }),
    ).toBeUndefined();
  });

  it("is unpacked once, executable by its owner only, and found unpacked the next time", async () => {
    const root = path.join(tempDir(), "cache");
    const bundle = fakeBundle();
    const exe = await unpackedBundledChromium(bundle, root);
    expect(readFileSync(exe, "utf8")).toBe("#!/bin/sh\necho bundled\n");
    expect(statSync(exe).mode & 0o777).toBe(0o700);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    const first = statSync(exe);
    // The archive gone: a second run must not need it.
    rmSync(bundle.archive);
    expect(await unpackedBundledChromium(bundle, root)).toBe(exe);
    expect(statSync(exe).ino).toBe(first.ino);
    expect(statSync(exe).mtimeMs).toBe(first.mtimeMs);
  });

  it("replaces a partial unpack left by a crash, and removes other versions", async () => {
    const root = path.join(tempDir(), "cache");
    const old = await unpackedBundledChromium(fakeBundle("152.0.0"), root);
    const dir = path.join(root, "chromium-153.0.0");
    mkdirSync(dir, { mode: 0o700 });
    const stale = path.join(dir, "chromium.999.x.partial");
    const fresh = path.join(dir, "chromium.998.y.partial");
    writeFileSync(stale, "half a browser");
    writeFileSync(fresh, "another process unpacking now");
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(stale, hourAgo, hourAgo);
    const exe = await unpackedBundledChromium(fakeBundle("153.0.0"), root);
    expect(exe).toBe(path.join(dir, "chromium"));
    expect(readFileSync(exe, "utf8")).toContain("echo bundled");
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(old)).toBe(false);
  });

  it("is never unpacked into a folder someone else could have planted", async () => {
    const base = tempDir();
    const elsewhere = tempDir();
    const link = path.join(base, "link");
    symlinkSync(elsewhere, link);
    await expect(unpackedBundledChromium(fakeBundle(), link)).rejects.toMatchObject({
      code: "BROWSER_NOT_FOUND",
      message: expect.stringContaining("is not a private folder of this user"),
    });
    const open = path.join(base, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(unpackedBundledChromium(fakeBundle(), open)).rejects.toMatchObject({
      code: "BROWSER_NOT_FOUND",
    });
    if (process.getuid?.() === 0) {
      const theirs = path.join(base, "theirs");
      mkdirSync(theirs, { mode: 0o700 });
      chownSync(theirs, 65534, 65534);
      await expect(unpackedBundledChromium(fakeBundle(), theirs)).rejects.toMatchObject({
        code: "BROWSER_NOT_FOUND",
      });
    }
    expect(existsSync(path.join(elsewhere, "chromium-153.0.0"))).toBe(false);
  });

  it("says what went wrong when the archive cannot be unpacked", async () => {
    const root = path.join(tempDir(), "cache");
    const archive = path.join(tempDir(), "chromium.br");
    writeFileSync(archive, "not brotli at all");
    await expect(
      unpackedBundledChromium({ version: "153.0.0", archive }, root),
    ).rejects.toMatchObject({
      code: "BROWSER_NOT_FOUND",
      message: expect.stringContaining("could not be unpacked"),
    });
    expect(existsSync(path.join(root, "chromium-153.0.0", "chromium"))).toBe(false);
  });
});
