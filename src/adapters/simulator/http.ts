import type { IncomingMessage, ServerResponse } from "node:http";
import type { SimFailure } from "./types.js";

const MAX_BODY_BYTES = 64 * 1024;

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge("request body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Form fields of a urlencoded body (a JSON object body is accepted too). */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const body = await readBody(req);
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json")) {
    const params = new URLSearchParams();
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === "object") {
        for (const [k, v] of Object.entries(parsed)) {
          if (typeof v === "string" || typeof v === "number") params.set(k, String(v));
        }
      }
    } catch {
      // An unreadable body is the same as an empty form.
    }
    return params;
  }
  return new URLSearchParams(body);
}

export function parseCookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw value
    }
    if (!jar.has(name)) jar.set(name, value);
  }
  return jar;
}

export function cookie(name: string, value: string, httpOnly: boolean): string {
  return `${name}=${value}; Path=/; SameSite=Lax${httpOnly ? "; HttpOnly" : ""}`;
}

function baseHeaders(contentType: string, length: number): Record<string, string | number> {
  return {
    "Content-Type": contentType,
    "Content-Length": length,
    "Cache-Control": "no-store",
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...baseHeaders("application/json", Buffer.byteLength(text)), ...extra });
  res.end(text);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  extra: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, {
    ...baseHeaders("text/html; charset=utf-8", Buffer.byteLength(html)),
    ...extra,
  });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, "Cache-Control": "no-store", "Content-Length": 0 });
  res.end();
}

/** Kite's error envelope. */
export function sendError(
  res: ServerResponse,
  status: number,
  errorType: string,
  message: string,
): void {
  sendJson(res, status, { status: "error", message, data: null, error_type: errorType });
}

function failureDefaults(status: number): { errorType: string; message: string } {
  if (status === 429) return { errorType: "NetworkException", message: "Too many requests" };
  if (status === 502) return { errorType: "NetworkException", message: "Bad gateway" };
  if (status === 503) return { errorType: "NetworkException", message: "Service unavailable" };
  if (status === 504) return { errorType: "NetworkException", message: "Gateway timeout" };
  if (status === 400) return { errorType: "InputException", message: "Invalid input" };
  if (status === 403) return { errorType: "TokenException", message: "Forbidden" };
  return { errorType: "GeneralException", message: "Internal server error" };
}

/** Answers an injected failure: a gateway-style HTML page or the JSON envelope. */
export function sendFailure(res: ServerResponse, failure: SimFailure): void {
  const defaults = failureDefaults(failure.status);
  const message = failure.message ?? defaults.message;
  if (failure.html) {
    const html =
      `<!DOCTYPE html><html><head><title>${failure.status} ${escapeHtml(message)}</title></head>` +
      `<body><center><h1>${failure.status} ${escapeHtml(message)}</h1></center><hr>` +
      `<center>nginx</center></body></html>`;
    sendHtml(res, failure.status, html);
    return;
  }
  sendError(res, failure.status, failure.errorType ?? defaults.errorType, message);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
