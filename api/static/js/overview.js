// The empty page says what the archive holds, and offers three questions drawn from it to try.

import { $, formatDate, h } from "./dom.js";
import { articles } from "./library.js";

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// The part of a headline a question can be about: before a colon or dash, at most ten words.
function subject(title) {
  const head = title.split(/\s*(?::|\s[–—|-]\s)\s*/)[0].replace(/[.!?]+$/, "");
  return head.split(/\s+/).slice(0, 10).join(" ");
}

// Three articles from different outlets where there are, spread from newest to oldest.
function picks(all) {
  const dated = [...all].filter((a) => a.title).sort((a, b) => (b.published || "").localeCompare(a.published || ""));
  const chosen = [];
  const outlets = new Set();
  for (const pass of [true, false]) {
    for (const a of dated) {
      if (chosen.length === 3) break;
      if (chosen.includes(a) || (pass && outlets.has(a.outlet || a.title))) continue;
      chosen.push(a);
      outlets.add(a.outlet || a.title);
    }
  }
  return chosen;
}

export function showOverview(onAsk) {
  const all = articles();
  $("overview").hidden = !all.length;
  if (!all.length) return;
  const outlets = new Set(all.map((a) => a.outlet).filter(Boolean));
  const dates = all.map((a) => a.published).filter(Boolean).sort();
  const from = outlets.size ? ` from ${plural(outlets.size, "outlet")}` : "";
  const span = dates.length ? `, published ${formatDate(dates[0])} – ${formatDate(dates[dates.length - 1])}` : "";
  $("overview-facts").textContent = `The archive holds ${plural(all.length, "article")}${from}${span}.`;
  $("examples").replaceChildren(
    ...picks(all).map((a) => {
      const question = `What do the articles say about “${subject(a.title)}”?`;
      return h("button", { type: "button", class: "example", onclick: () => onAsk(question) }, question);
    }),
  );
}
