import { readFileSync } from "node:fs";
import path from "node:path";
import type { Hono } from "hono";
import { packageRoot } from "../package-root.js";

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";

const ASSETS = {
  "/common.js": { file: "common.js", type: JS },
  "/console.js": { file: "console.js", type: JS },
  "/accounts.js": { file: "accounts.js", type: JS },
  "/console.css": { file: "console.css", type: "text/css; charset=utf-8" },
} as const;

/**
 * The page's files (plain HTML, CSS and JS in `public/console/`, no build step), read once:
 * at `/` the single account's page, or in accounts mode the page with one card per account.
 */
export function pageRoutes(
  api: Hono,
  mode: "single" | "accounts",
  folder = path.join(packageRoot(), "public", "console"),
): void {
  const page = { file: mode === "accounts" ? "accounts.html" : "index.html", type: HTML };
  for (const [route, asset] of Object.entries({ "/": page, ...ASSETS })) {
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
