// How a story developed: the passages about a question or name, by publication day, with a
// small chart of articles per week when the story spans more than one week.

import { $, formatDate, h, tell } from "./dom.js";
import { call, Problem } from "./http.js";

const say = (text, kind) => tell("timeline-status", text, kind);

function entryItem(entry) {
  const copies = entry.also_in.length ? ` (+${entry.also_in.length} cop${entry.also_in.length === 1 ? "y" : "ies"})` : "";
  return h(
    "li",
    {},
    h("span", { class: "where" }, `${entry.outlet || entry.doc_id} · ${entry.title || "untitled"}${copies}`),
    h("q", {}, entry.sentence.text.replace(/\s+/g, " ")),
    h("span", { class: "span" }, ` ${entry.doc_id}, characters ${entry.sentence.start}-${entry.sentence.end}`),
    entry.changed ? h("strong", { class: "changed" }, ` Changed: ${entry.changed.now}, where earlier reports said ${entry.changed.was}.`) : null,
  );
}

function chart(weeks) {
  const most = Math.max(...weeks.map((w) => w.articles), 1);
  return h(
    "ol",
    { class: "weeks", "aria-label": "Articles per week" },
    ...weeks.map((w) => {
      const bar = h("span", { class: "bar" });
      bar.style.width = `${(100 * w.articles) / most}%`;
      return h("li", {}, h("span", { class: "week" }, `week of ${formatDate(w.week_of)}`), bar, h("span", {}, ` ${w.articles}`));
    }),
  );
}

async function showTimeline(event) {
  event.preventDefault();
  const question = $("timeline-question").value.trim();
  if (!question) return;
  say("Dating the passages…");
  $("timeline-days").replaceChildren();
  try {
    const result = await (await call("/timeline", { method: "POST", json: { question } })).json();
    const sections = result.days.map((day) =>
      h("section", { class: "day" }, h("h3", {}, formatDate(day.date)), h("ul", {}, ...day.entries.map(entryItem))),
    );
    if (result.undated.length) {
      sections.push(h("section", { class: "day" }, h("h3", {}, "Undated"), h("ul", {}, ...result.undated.map(entryItem))));
    }
    $("timeline-days").replaceChildren(...(result.weeks.length > 1 ? [chart(result.weeks)] : []), ...sections);
    const dated = result.days.reduce((n, d) => n + d.entries.length, 0);
    say(dated || result.undated.length
      ? `${dated} dated passage${dated === 1 ? "" : "s"} over ${result.days.length} day${result.days.length === 1 ? "" : "s"}, ${result.undated.length} undated.`
      : "No passage holds enough of those names and words to date a story.");
  } catch (error) {
    say(error instanceof Problem ? error.message : `Something went wrong: ${error.message}`, "error");
  }
}

export function installTimeline() {
  $("timeline-form").addEventListener("submit", showTimeline);
}
