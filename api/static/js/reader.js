// The source reader: a cited passage shown inside its article's text view, at its exact offsets.

import { $, formatDate, h, marked, pages } from "./dom.js";
import { call, documentPath } from "./http.js";

let opener = null;

function articleAt(doc, offset) {
  return doc.articles.find((a) => a.start <= offset && offset < a.end) || doc.articles[0] || {};
}

function facts(doc, article, source) {
  const rows = [
    ["Outlet", article.outlet],
    ["Published", formatDate(article.published)],
    ["Author", article.author],
    ["Link", article.url ? webLink(article.url) : null],
    ["File", h("span", { title: doc.path }, doc.doc_id)],
    ["Passage", `characters ${source.start}–${source.end}` + (pages(source) ? `, ${pages(source)}` : "")],
  ];
  return h("dl", { class: "facts" }, rows.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

export function closeReader() {
  $("reader").hidden = true;
  document.body.classList.remove("reading");
  if (opener) opener.focus();
  opener = null;
}

// Open `passage` (an API passage) in its document; `quotes` are the answer's quoted spans in it.
export async function openSource(passage, quotes = []) {
  opener = document.activeElement;
  const source = passage.source;
  const panel = $("reader");
  const body = $("reader-text");
  panel.hidden = false;
  document.body.classList.add("reading");
  panel.setAttribute("aria-busy", "true");
  $("reader-title").textContent = source.title || source.doc_id;
  $("reader-facts").replaceChildren();
  body.replaceChildren(h("p", { class: "loading" }, "Opening the article…"));
  let doc;
  try {
    doc = await (await call(documentPath(source.doc_id))).json();
  } catch (error) {
    body.replaceChildren(h("p", { class: "error", role: "alert" }, `Could not open ${source.doc_id}: ${error.message}`));
    panel.removeAttribute("aria-busy");
    return;
  }
  const article = articleAt(doc, source.start);
  $("reader-title").textContent = article.title || source.title || source.doc_id;
  $("reader-facts").replaceChildren(facts(doc, article, source));
  const inner = quotes.length ? quotes : passage.highlights;
  const text = doc.text;
  const mark = h(
    "span",
    { id: "reader-passage", "data-start": source.start, "data-end": source.end },
    marked(text.slice(source.start, source.end), source.start, inner, quotes.length ? "quote" : "highlight", "context"),
  );
  body.replaceChildren(text.slice(0, source.start), mark, text.slice(source.end));
  panel.removeAttribute("aria-busy");
  mark.scrollIntoView({ block: "center" });
  $("reader-title").focus();
}

export function installReader() {
  $("reader-close").addEventListener("click", closeReader);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("reader").hidden) closeReader();
  });
}

// Only a web address becomes a link: a record's "javascript:" or "data:" URL is shown as text.
function webLink(url) {
  let scheme = "";
  try {
    scheme = new URL(url).protocol;
  } catch {
    return url;
  }
  return scheme === "http:" || scheme === "https:" ? h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, url) : url;
}
