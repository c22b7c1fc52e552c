import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { formatIstMs } from "../../core/time.js";

/** How many failed logins keep their screenshot and page. */
export const KEEP_EVIDENCE = 20;

/** Removes every input's value (and every textarea's text) from an HTML document. */
export function stripInputValues(html: string): string {
  return html
    .replace(/(<input\b[^>]*?)\s+value\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, "$1")
    .replace(/(<textarea\b[^>]*>)[\s\S]*?(<\/textarea>)/gi, "$1$2");
}

/** An instant in a file name, in IST as people read it: `2026-12-02_08-30-05-123_IST`. */
export function fileStamp(instant: Date): string {
  const iso = formatIstMs(instant); // 2026-12-02T08:30:05.123+05:30
  return `${iso.slice(0, 10)}_${iso.slice(11, 19).replace(/:/g, "-")}-${iso.slice(20, 23)}_IST`;
}

export interface EvidenceOptions {
  dir: string;
  /** Replaces known secrets in the saved HTML. */
  scrub: (text: string) => string;
  keep?: number;
  now?: () => Date;
}

/**
 * Saves what the browser showed when a login failed: a screenshot and the page's HTML
 * with every input's value removed. File names hold only the time and the error code.
 */
export class FailureEvidence {
  constructor(private readonly options: EvidenceOptions) {}

  async capture(page: Page, code: string): Promise<string[]> {
    const { dir } = this.options;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stamp = fileStamp(this.options.now?.() ?? new Date());
    const base = path.join(dir, `${stamp}-${code.replace(/[^A-Z0-9_]/gi, "")}`);
    // Values typed into the page live in properties, not attributes: clear both first.
    const html = await page
      .evaluate(() => {
        const root = document.documentElement.cloneNode(true) as HTMLElement;
        for (const input of Array.from(root.querySelectorAll("input"))) {
          input.removeAttribute("value");
        }
        for (const area of Array.from(root.querySelectorAll("textarea"))) area.textContent = "";
        return `<!DOCTYPE html>\n${root.outerHTML}`;
      })
      .catch(() => "");
    const files: string[] = [];
    await writeFile(`${base}.html`, this.options.scrub(stripInputValues(html)), { mode: 0o600 });
    files.push(`${base}.html`);
    const shot = await page.screenshot({ timeout: 3000 }).catch(() => undefined);
    if (shot) {
      await writeFile(`${base}.png`, shot, { mode: 0o600 });
      files.push(`${base}.png`);
    }
    await this.#prune();
    return files;
  }

  async #prune(): Promise<void> {
    const keep = this.options.keep ?? KEEP_EVIDENCE;
    const names = (await readdir(this.options.dir)).filter((n) => /\.(html|png)$/.test(n));
    const captures = [...new Set(names.map((n) => n.replace(/\.(html|png)$/, "")))].sort();
    for (const old of captures.slice(0, Math.max(0, captures.length - keep))) {
      await rm(path.join(this.options.dir, `${old}.html`), { force: true });
      await rm(path.join(this.options.dir, `${old}.png`), { force: true });
    }
  }
}
