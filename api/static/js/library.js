// The archive: files grouped with their articles, sorted and paged; upload, delete or remove
// (the user's own files stay on disk and can be restored) where the server allows it.

import { $, formatDate, h, tell } from "./dom.js";
import { call, documentPath, Problem } from "./http.js";

export const PAGE_SIZE = 20;
let documents = [];
let excluded = [];
let page = 0;
let onChange = () => {};

function note(text, kind = "info") {
  tell("library-status", text, kind);
}

const fileOf = (docId) => docId.split("#")[0];

// One entry per file: a record of a feed or JSONL dump is listed inside its file's group.
function groups() {
  const byFile = new Map();
  for (const doc of documents) {
    const file = fileOf(doc.doc_id);
    if (!byFile.has(file)) byFile.set(file, { file, uploaded: doc.uploaded, docs: [], articles: [] });
    const group = byFile.get(file);
    group.docs.push(doc);
    for (const a of doc.articles) group.articles.push({ ...a, docId: doc.doc_id });
  }
  for (const g of byFile.values()) {
    const dates = g.articles.map((a) => a.published).filter(Boolean).sort();
    g.newest = dates[dates.length - 1] || "";
    g.outlet = g.articles.map((a) => a.outlet).find(Boolean) || "";
    g.title = (g.articles[0] && g.articles[0].title) || g.file;
    g.chunks = g.docs.reduce((n, d) => n + d.chunks, 0);
    g.listing = g.articles.length > 0 && g.articles.every((a) => a.page === "listing");
  }
  return [...byFile.values()];
}

const ORDER = {
  newest: (a, b) => (b.newest || "").localeCompare(a.newest || "") || a.file.localeCompare(b.file),
  oldest: (a, b) => (a.newest || "9999").localeCompare(b.newest || "9999") || a.file.localeCompare(b.file),
  outlet: (a, b) => (!a.outlet - !b.outlet) || a.outlet.localeCompare(b.outlet, undefined, { sensitivity: "base" }) || a.file.localeCompare(b.file),
  file: (a, b) => a.file.localeCompare(b.file),
};

function action(group) {
  if (group.uploaded) {
    return h("button", { type: "button", class: "delete", "aria-label": `Delete ${group.file}`, onclick: () => confirmRemoval(group.file, true) }, "Delete");
  }
  return h("button", { type: "button", class: "delete", "aria-label": `Remove ${group.file} from the archive`, onclick: () => confirmRemoval(group.file, false) }, "Remove");
}

function articleLine(a) {
  const when = formatDate(a.published);
  return h("li", { "data-doc": a.docId }, h("span", { class: "title" }, a.title || "(untitled)"), h("span", { class: "meta" }, [a.outlet, when].filter(Boolean).join(" · ")));
}

function card(group) {
  const many = group.articles.length > 1;
  const meta = [group.listing ? "not an article (a homepage or listing page)" : "", group.outlet, formatDate(group.newest), `${group.chunks} chunk${group.chunks === 1 ? "" : "s"}`, group.uploaded ? "uploaded" : "your file"];
  const head = h("div", { class: "head" }, h("strong", { class: "title" }, group.title), action(group));
  const facts = h("div", { class: "meta" }, meta.filter(Boolean).join(" · "));
  const file = h("div", { class: "file" }, group.file);
  const list = many
    ? h("details", {}, h("summary", {}, `${group.articles.length} articles in this file`), h("ul", { class: "articles" }, group.articles.map(articleLine)))
    : null;
  return h("li", { class: "doc", "data-file": group.file, "data-outlet": group.outlet, "data-doc": group.docs.length === 1 ? group.docs[0].doc_id : null }, head, facts, file, list);
}

function matching(needle) {
  return (g) => !needle || [g.file, g.outlet, ...g.articles.map((a) => `${a.title || ""} ${a.outlet || ""}`)].join(" ").toLowerCase().includes(needle);
}

function render() {
  const needle = $("library-search").value.trim().toLowerCase();
  const all = groups();
  const shown = all.filter(matching(needle)).sort(ORDER[$("library-sort").value] || ORDER.newest);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  page = Math.min(page, pages - 1);
  $("library-rows").replaceChildren(...shown.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).map(card));
  const articles = all.reduce((n, g) => n + g.articles.length, 0);
  $("library-count").textContent = needle
    ? `${shown.length} of ${all.length} files match`
    : `${all.length} files, ${articles} articles`;
  $("pager").hidden = pages < 2;
  $("page-label").textContent = `Page ${page + 1} of ${pages}`;
  $("page-prev").disabled = page === 0;
  $("page-next").disabled = page >= pages - 1;
  $("excluded").hidden = !excluded.length;
  $("excluded-list").replaceChildren(...excluded.map((id) => h("li", {}, h("span", { class: "file" }, id), " ", h("button", { type: "button", class: "read", "aria-label": `Restore ${id}`, onclick: () => restore(id) }, "Restore"))));
}

export function outlets() {
  const names = new Set();
  for (const doc of documents) for (const a of doc.articles) if (a.outlet) names.add(a.outlet);
  return [...names].sort((a, b) => a.localeCompare(b));
}

// Every article of the archive, listings (homepages, section fronts) left out.
export function articles() {
  return documents.flatMap((d) => d.articles.filter((a) => a.page !== "listing"));
}

export function titles() {
  return documents.flatMap((d) => d.articles.map((a) => a.title)).filter((t) => t && t.length < 90);
}

export async function loadLibrary() {
  const body = await (await call("/documents")).json();
  documents = body.documents;
  excluded = body.excluded || [];
  render();
  const skipped = (body.skipped || []).filter((s) => !excluded.includes(s.doc_id));
  $("skipped").hidden = !skipped.length;
  $("skipped-list").replaceChildren(...skipped.map((s) => h("li", {}, `${s.doc_id || s.path}: ${s.reason}`)));
  onChange();
}

async function upload(files) {
  if (!files.length) return;
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  note(`Indexing ${files.length} file${files.length === 1 ? "" : "s"}…`);
  $("upload-button").disabled = true;
  try {
    const result = await (await call("/documents", { method: "POST", body: form })).json();
    const done = result.documents.map((d) => `${d.doc_id} (${d.status}, ${d.chunks} chunk${d.chunks === 1 ? "" : "s"})`).join(", ");
    await loadLibrary();
    const warnings = result.documents.filter((d) => d.warning).map((d) => `${d.doc_id}: ${d.warning}.`);
    note([`Indexed: ${done}.`, ...warnings].join(" "), warnings.length ? "declined" : "info");
  } catch (error) {
    note(writeProblem(error, "add documents"), "error");
  } finally {
    $("upload-button").disabled = false;
    $("upload-files").value = "";
  }
}

function writeProblem(error, what) {
  if (error instanceof Problem && error.status === 401) {
    return `To ${what} you need a write key (one of the server's RAG_ADMIN_KEYS): enter it under “API key”.`;
  }
  if (error instanceof Problem && error.status === 403 && /only read/.test(error.message)) {
    return `To ${what} you need a write key, not a read key: enter one under “API key”. ${error.message}`;
  }
  return error.message;
}

function confirmRemoval(file, uploaded) {
  const dialog = $("confirm");
  $("confirm-text").textContent = uploaded
    ? `Delete ${file}? It was uploaded here, so the file is deleted and its passages will no longer be found.`
    : `Remove ${file} from the archive? The file stays in your folder; its passages will no longer be found until you restore it.`;
  $("confirm-go").textContent = uploaded ? "Delete" : "Remove";
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "delete") return;
    note(`${uploaded ? "Deleting" : "Removing"} ${file}…`);
    try {
      await call(documentPath(file), { method: "DELETE" });
      await loadLibrary();
      note(uploaded ? `Deleted ${file}.` : `Removed ${file} from the archive; the file is still in your folder.`);
    } catch (error) {
      note(writeProblem(error, "change the archive"), "error");
    }
  };
  dialog.showModal();
}

async function restore(file) {
  note(`Restoring ${file}…`);
  try {
    await call(documentPath(file) + "/restore", { method: "POST" });
    await loadLibrary();
    note(`Restored ${file}.`);
  } catch (error) {
    note(writeProblem(error, "change the archive"), "error");
  }
}

function turn(by) {
  page += by;
  render();
  $("library-title").scrollIntoView({ block: "start" });
}

export function installLibrary(changed) {
  onChange = changed;
  $("library-search").addEventListener("input", () => {
    page = 0;
    render();
  });
  $("library-sort").addEventListener("change", () => {
    page = 0;
    render();
  });
  $("page-prev").addEventListener("click", () => turn(-1));
  $("page-next").addEventListener("click", () => turn(1));
  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    upload([...$("upload-files").files]);
  });
  const zone = $("drop-zone");
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    upload([...event.dataTransfer.files]);
  });
}
