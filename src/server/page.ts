import { readFileSync } from "node:fs";
import path from "node:path";
import type { Hono } from "hono";
import { packageRoot } from "../core/package-root.js";

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";

const ASSETS = {
  "/": { file: "index.html", type: HTML },
  "/console.js": { file: "console.js", type: JS },
  "/api.js": { file: "api.js", type: JS },
  "/format.js": { file: "format.js", type: JS },
  "/run-steps.js": { file: "run-steps.js", type: JS },
  "/history.js": { file: "history.js", type: JS },
  "/console.css": { file: "console.css", type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
} as const;

/**
 * The page's files (plain HTML, CSS and JS in `public/console/`, no build step), read once:
 * at `/` one page with a card per account (the KITE_* account `default`, or each account
 * of the accounts file).
 */
export function pageRoutes(
  api: Hono,
  folder = path.join(packageRoot(), "public", "console"),
): void {
  for (const [route, asset] of Object.entries(ASSETS)) {
    const body = readFileSync(path.join(folder, asset.file), "utf8");
    api.get(route, (c) => {
      c.header("Content-Type", asset.type);
      c.header("Cache-Control", "no-cache");
      return c.body(body);
    });
  }
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );

/** The page `/auth/callback` shows after a manual login: what happened, and the way back. */
export function callbackPage(result: { ok: boolean; title: string; text: string }): string {
  const kind = result.ok ? "ok" : "bad";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(result.title)} · kite-token</title>
<link rel="stylesheet" href="/console.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<main class="callback">
<h1>kite-token</h1>
<section class="card" aria-labelledby="result-title">
<h2 id="result-title"><span class="dot ${kind}" aria-hidden="true"></span> ${escapeHtml(result.title)}</h2>
<p id="result-text" role="${result.ok ? "status" : "alert"}">${escapeHtml(result.text)}</p>
<p><a class="button" href="/">Back to the console</a></p>
</section>
</main>
</body>
</html>
`;
}
