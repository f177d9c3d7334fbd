// The archive: what is indexed, a search over it, and (with a write key) upload and delete.

import { $, formatDate, h, tell } from "./dom.js";
import { call, documentPath, Problem } from "./http.js";

let documents = [];
let onChange = () => {};

function note(text, kind = "info") {
  tell("library-status", text, kind);
}

function summary(doc) {
  const first = doc.articles[0] || {};
  return {
    title: first.title || doc.doc_id,
    outlet: first.outlet || "",
    published: first.published || "",
    more: doc.articles.length > 1 ? ` (+${doc.articles.length - 1} more articles)` : "",
  };
}

function row(doc) {
  const s = summary(doc);
  const remove = h("button", { type: "button", class: "delete", "aria-label": `Delete ${doc.doc_id}`, onclick: () => confirmDelete(doc.doc_id) }, "Delete");
  return h(
    "tr",
    { "data-doc": doc.doc_id },
    h("td", {}, s.title, h("span", { class: "more" }, s.more)),
    h("td", {}, s.outlet),
    h("td", {}, formatDate(s.published) || ""),
    h("td", { class: "file" }, doc.doc_id),
    h("td", { class: "num" }, String(doc.chunks)),
    h("td", {}, remove),
  );
}

function render() {
  const needle = $("library-search").value.trim().toLowerCase();
  const shown = documents.filter((doc) => {
    const s = summary(doc);
    const hay = [s.title, s.outlet, doc.doc_id, ...doc.articles.map((a) => a.title || "")].join(" ").toLowerCase();
    return !needle || hay.includes(needle);
  });
  $("library-rows").replaceChildren(...shown.map(row));
  $("library-count").textContent = needle
    ? `${shown.length} of ${documents.length} documents match`
    : `${documents.length} documents`;
}

export function outlets() {
  const names = new Set();
  for (const doc of documents) for (const a of doc.articles) if (a.outlet) names.add(a.outlet);
  return [...names].sort((a, b) => a.localeCompare(b));
}

export async function loadLibrary() {
  const body = await (await call("/documents")).json();
  documents = body.documents;
  render();
  const skipped = body.skipped || [];
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
    note(`Indexed: ${done}.`);
  } catch (error) {
    note(writeProblem(error, "add documents"), "error");
  } finally {
    $("upload-button").disabled = false;
    $("upload-files").value = "";
  }
}

function writeProblem(error, what) {
  if (error instanceof Problem && (error.status === 401 || error.status === 403)) {
    return `To ${what} you need a write key (one of the server's RAG_ADMIN_KEYS): enter it under “API key”. ${error.status === 403 ? error.message : ""}`.trim();
  }
  return error.message;
}

function confirmDelete(docId) {
  const dialog = $("confirm");
  $("confirm-text").textContent = `Delete ${docId} from the archive? Its passages will no longer be found.`;
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "delete") return;
    note(`Deleting ${docId}…`);
    try {
      await call(documentPath(docId), { method: "DELETE" });
      await loadLibrary();
      note(`Deleted ${docId}.`);
    } catch (error) {
      note(writeProblem(error, "delete documents"), "error");
    }
  };
  dialog.showModal();
}

export function installLibrary(changed) {
  onChange = changed;
  $("library-search").addEventListener("input", render);
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
