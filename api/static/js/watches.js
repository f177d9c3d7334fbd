// Watched questions: save the question on screen, list the watches with each change in words and
// the answer before and after, and a badge on the tab while a change has not been seen.

import { $, formatDate, h, tell } from "./dom.js";
import { call, Problem } from "./http.js";

const say = (text, kind) => tell("watched-status", text, kind);
const SEEN = "rag-watch-seen"; // {watch id: changes seen}
const POLL_MS = 5000;

function seen() {
  try {
    return JSON.parse(localStorage.getItem(SEEN) || "{}");
  } catch {
    return {};
  }
}

function unseen(watches) {
  const counts = seen();
  return watches.filter((w) => w.history.length > (counts[w.id] || 0));
}

function markSeen(watches) {
  localStorage.setItem(SEEN, JSON.stringify(Object.fromEntries(watches.map((w) => [w.id, w.history.length]))));
}

function showBadge(watches) {
  const fresh = unseen(watches).length;
  $("watch-badge").hidden = !fresh;
  $("watch-badge").textContent = fresh ? String(fresh) : "";
  $("watch-badge").setAttribute("aria-label", `${fresh} watched question${fresh === 1 ? "" : "s"} changed`);
}

function changeItem(change) {
  return h(
    "li",
    { class: "change" },
    h("span", { class: "when" }, formatDate(change.after.checked_at.slice(0, 10))),
    " ",
    h("strong", {}, change.summary),
    h("p", { class: "before" }, "Before: ", change.before.answer),
    h("p", { class: "after" }, "Now: ", change.after.answer),
  );
}

async function remove(watch) {
  try {
    await call(`/watches/${watch.id}`, { method: "DELETE" });
    say(`Stopped watching “${watch.question}”.`);
    await refresh(true);
  } catch (error) {
    say(error.message, "error");
  }
}

function watchItem(watch, fresh) {
  const changes = watch.history.length;
  return h(
    "li",
    { class: fresh ? "watch fresh" : "watch", "data-id": watch.id },
    h("q", {}, watch.question),
    " ",
    h("span", { class: "support" }, watch.last.support),
    fresh ? h("span", { class: "badge" }, "changed") : null,
    h("p", { class: "where" }, changes ? `${changes} change${changes === 1 ? "" : "s"} since ${formatDate(watch.created_at.slice(0, 10))}` : `No change since ${formatDate(watch.created_at.slice(0, 10))}`),
    changes ? h("ol", { class: "changes", reversed: "" }, ...[...watch.history].reverse().map(changeItem)) : null,
    h("button", { type: "button", class: "read", onclick: () => remove(watch) }, "Stop watching"),
  );
}

// Reload the list; `shown`: the Watched view is open, so what it shows counts as seen.
export async function refresh(shown = !$("watched-view").hidden) {
  const { watches } = await (await call("/watches")).json();
  if (shown) {
    const fresh = new Set(unseen(watches).map((w) => w.id));
    $("watched-list").replaceChildren(...watches.map((w) => watchItem(w, fresh.has(w.id))));
    say(watches.length ? "" : "No watched questions yet: ask one, then press “Watch this question”.");
    markSeen(watches);
  }
  showBadge(watches);
}

export async function watchQuestion(question, filters) {
  try {
    const response = await call("/watches", { method: "POST", json: { question, filters } });
    const watch = await response.json();
    const counts = seen();
    counts[watch.id] = 0;
    localStorage.setItem(SEEN, JSON.stringify(counts));
    tell("status", `Watching “${watch.question}”: it is re-answered whenever articles are added.`);
    await refresh();
  } catch (error) {
    tell("status", error instanceof Problem ? error.message : `Could not watch it: ${error.message}`, "error");
  }
}

export function installWatches() {
  setInterval(() => {
    if (document.visibilityState === "visible") refresh().catch(() => {});
  }, POLL_MS);
}
