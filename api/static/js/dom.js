// Small helpers for building the page's elements without innerHTML (article text is never markup).

export const $ = (id) => document.getElementById(id);

// A status line: plain words, announced politely, or as an alert when something went wrong.
export function tell(id, text, kind = "info") {
  $(id).textContent = text;
  $(id).dataset.kind = kind;
  $(id).setAttribute("role", kind === "error" ? "alert" : "status");
}

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  el.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export function formatDate(iso) {
  if (!iso) return null;
  const date = new Date(iso.length === 10 ? iso + "T00:00:00Z" : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString("en-GB", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

// "31 Jan 2018", "31 January 2018", "31/01/2018" or "2018-01-31" as YYYY-MM-DD; null if none.
export function parseDate(text) {
  const value = text.trim();
  let y, m, d;
  let found = value.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
  if (found) [, y, m, d] = found.map(Number);
  else if ((found = value.match(/^(\d{1,2})\s+([A-Za-z]{3,})\.?,?\s+(\d{4})$/))) {
    d = Number(found[1]);
    m = MONTHS.indexOf(found[2].slice(0, 3).toLowerCase()) + 1;
    y = Number(found[3]);
  } else if ((found = value.match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/))) [, d, m, y] = found.map(Number);
  else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (!m || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

// "Outlet · 5 Mar 2024" for what the reader checks first; the file name only as a last resort.
export function byline(source) {
  return [source.outlet, formatDate(source.published)].filter(Boolean).join(" · ");
}

export function pages(source) {
  if (!source.page_start) return null;
  return source.page_start === source.page_end ? `page ${source.page_start}` : `pages ${source.page_start}–${source.page_end}`;
}

// The text from start to end with the given sub-ranges wrapped in <mark class=cls> (the rest in
// <mark class=rest> when given); offsets are absolute, `base` is where `text` starts, so spans
// index the document exactly as the API does. Marks are never nested: nested inline backgrounds
// paint over the line above.
export function marked(text, base, ranges, cls, rest = null) {
  const parts = [];
  const plain = (s) => (rest && s ? h("mark", { class: rest }, s) : s);
  let at = base;
  const end = base + text.length;
  const inside = ranges
    .map((r) => [Math.max(r.start, base), Math.min(r.end, end)])
    .filter(([s, e]) => s < e)
    .sort((a, b) => a[0] - b[0]);
  for (const [s, e] of inside) {
    if (e <= at) continue;
    const from = Math.max(s, at);
    if (from > at) parts.push(plain(text.slice(at - base, from - base)));
    parts.push(h("mark", { class: cls, "data-start": from, "data-end": e }, text.slice(from - base, e - base)));
    at = e;
  }
  if (at < end) parts.push(plain(text.slice(at - base)));
  return parts;
}
