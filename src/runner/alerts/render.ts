/**
 * The few shapes an alert's body is made of, rendered once as plain text and once as
 * HTML, so the two parts always say the same thing.
 */
export type Block =
  | { kind: "para"; text: string }
  | { kind: "fields"; rows: Array<[label: string, value: string]> }
  | { kind: "list"; title: string; items: string[] };

const escapeHtml = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

/** Escapes, then shows `commands` as code and bare URLs as links. */
function inlineHtml(s: string): string {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/(^|[\s(])(https?:\/\/[^\s<]+)/g, '$1<a href="$2">$2</a>');
}

export function renderText(blocks: Block[]): string {
  const parts = blocks.map((b) => {
    if (b.kind === "para") return b.text;
    if (b.kind === "fields") {
      const width = Math.max(...b.rows.map(([label]) => label.length)) + 1;
      return b.rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join("\n");
    }
    return [b.title, ...b.items.map((item, i) => `  ${i + 1}. ${item}`)].join("\n");
  });
  return `${parts.join("\n\n")}\n`;
}

export function renderHtml(blocks: Block[]): string {
  const parts = blocks.map((b) => {
    if (b.kind === "para") return `<p>${inlineHtml(b.text)}</p>`;
    if (b.kind === "fields") {
      const rows = b.rows
        .map(
          ([label, value]) =>
            `<tr><th align="left" valign="top" style="padding-right:12px">${escapeHtml(label)}</th><td>${inlineHtml(value)}</td></tr>`,
        )
        .join("");
      return `<table cellspacing="0" cellpadding="2">${rows}</table>`;
    }
    const items = b.items.map((item) => `<li>${inlineHtml(item)}</li>`).join("");
    return `<p><strong>${escapeHtml(b.title)}</strong></p><ol>${items}</ol>`;
  });
  return `<!doctype html><html><body style="font-family:sans-serif">${parts.join("\n")}</body></html>`;
}

/** Appends blocks to an already rendered pair of parts. */
export function appendBlocks(
  parts: { text: string; html: string },
  blocks: Block[],
): { text: string; html: string } {
  const extraHtml = renderHtml(blocks)
    .replace(/^.*<body[^>]*>/s, "")
    .replace(/<\/body>.*$/s, "");
  return {
    text: `${parts.text}\n${renderText(blocks)}`,
    html: parts.html.replace(/<\/body>/, `\n${extraHtml}</body>`),
  };
}
