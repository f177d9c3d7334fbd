// Ask: the question form, its filters in the shareable link, the streamed answer and its evidence.

import { $, byline, formatDate, h, marked, pages, parseDate, tell } from "./dom.js";
import { call, events, Problem } from "./http.js";
import { openSource } from "./reader.js";
import { watchQuestion } from "./watches.js";

const FIELDS = { q: "question", from: "date-from", to: "date-to", outlet: "outlet" };

const DATES = new Set(["from", "to"]);
const MAX_TURNS = 10; // the API's limit on earlier turns (rag.workbench.followup.MAX_TURNS)

// The earlier questions of this conversation, sent with each question until "New conversation".
let turns = [];

export function newConversation() {
  turns = [];
  showConversation();
}

function showConversation() {
  $("conversation").hidden = !turns.length;
  $("earlier").replaceChildren(...turns.map((t, i) => h("q", { class: "turn" }, t.question, i < turns.length - 1 ? "; " : "")));
}

function remember(answer) {
  const cited = answer.cited.map((n) => answer.citations[n - 1].source.doc_id);
  const doc_ids = [...new Set(cited.length ? cited : answer.citations.slice(0, 1).map((p) => p.source.doc_id))];
  turns = [...turns, { question: answer.question, searched_as: answer.searched_as, doc_ids }].slice(-MAX_TURNS);
}

// The form's values, dates as YYYY-MM-DD; a date that cannot be read throws a Problem.
export function readState() {
  return Object.fromEntries(
    Object.entries(FIELDS).map(([k, id]) => {
      const value = $(id).value.trim();
      if (!DATES.has(k) || !value) return [k, value];
      const iso = parseDate(value);
      if (!iso) throw new Problem(`“${value}” is not a date: write it like 31 Jan 2018.`);
      $(id).value = formatDate(iso);
      return [k, iso];
    }),
  );
}

export function showState(params) {
  if (["from", "to", "outlet"].some((k) => params.get(k))) $("narrow").open = true;
  for (const [k, id] of Object.entries(FIELDS)) {
    const value = params.get(k) || "";
    if (id === "outlet" && value && ![...$(id).options].some((o) => o.value === value)) $(id).add(new Option(value, value));
    $(id).value = DATES.has(k) ? formatDate(value) || value : value;
  }
}

function linkFor(state) {
  const params = new URLSearchParams();
  for (const k of Object.keys(FIELDS)) if (state[k]) params.set(k, state[k]);
  return "?" + params.toString() + location.hash;
}

function filtersOf(state) {
  const filters = {};
  if (state.from) filters.published_from = state.from;
  if (state.to) filters.published_to = state.to;
  if (state.outlet) filters.outlets = [state.outlet];
  return Object.keys(filters).length ? filters : null;
}

export function say(text, kind = "info") {
  tell("status", text, kind);
}

function busy(on) {
  $("ask-button").disabled = on;
  $("ask-button").textContent = on ? "Asking…" : "Ask";
  $("spinner").hidden = !on;
  $("results").setAttribute("aria-busy", on ? "true" : "false");
}

function quotesFor(answer, n) {
  return (answer.quotes || []).filter((q) => q.citation === n);
}

// A passage that stops mid-sentence says so, instead of ending on a cut word.
const ENDS_A_SENTENCE = /[.!?"”’)\]]\s*$/;

function alsoRan(copies) {
  if (!copies || !copies.length) return null;
  const names = copies.map((c) => c.outlet || c.title || c.doc_id);
  return h("p", { class: "copies" }, `Also ran in ${[...new Set(names)].join(", ")}`);
}

function passageCard(p, n, answer) {
  const s = p.source;
  const open = () => openSource(p, quotesFor(answer, n));
  const where = [s.doc_id, `characters ${s.start}–${s.end}`, pages(s)].filter(Boolean).join(" · ");
  const cue = ENDS_A_SENTENCE.test(p.text) ? null : h("span", { class: "continues" }, " … continues in the article");
  return h(
    "li",
    { class: "passage", id: `passage-${n}` },
    h("div", { class: "source" }, h("span", { class: "n" }, `[${n}]`), " ", h("strong", {}, s.title || "(untitled)"), byline(s) ? " — " + byline(s) : ""),
    alsoRan(s.also_in),
    h("p", { class: "text" }, marked(p.text, s.start, p.highlights, "highlight"), cue),
    h("div", { class: "where" }, where),
    h("button", { type: "button", class: "read", onclick: open, "aria-label": `Read passage ${n} in its article` }, "Read in the article"),
  );
}

function linkedAnswer(answer, text = answer.answer) {
  const parts = text.split(/(\[\d+\])/);
  return parts.map((part) => {
    const m = part.match(/^\[(\d+)\]$/);
    const n = m ? Number(m[1]) : 0;
    if (!n || n > answer.citations.length) return part;
    const p = answer.citations[n - 1];
    return h(
      "a",
      {
        href: `#passage-${n}`,
        class: "cite",
        "aria-label": `source ${n}: ${p.source.title || p.source.doc_id}`,
        onclick: (event) => {
          event.preventDefault();
          openSource(p, quotesFor(answer, n));
        },
      },
      part,
    );
  });
}

const CLAIM_NOTES = { false: "Not supported by the passage it cites", uncited: "Cites no passage" };

// The answer with each sentence marked as its check came out: an unsupported or uncited one is
// underlined, takes the keyboard focus, and says why (title for the mouse, text for readers).
function checkedAnswer(answer) {
  const claims = answer.claims || [];
  if (!claims.length) return linkedAnswer(answer);
  const out = [];
  let cursor = 0;
  for (const c of claims) {
    if (c.start > cursor) out.push(...linkedAnswer(answer, answer.answer.slice(cursor, c.start)));
    const kind = c.supported === true ? "supported" : c.supported === false ? "unsupported" : "uncited";
    const note = c.supported === true ? "" : `${CLAIM_NOTES[c.supported]}: ${c.problems.join("; ")}`;
    const attrs = note ? { class: `claim ${kind}`, tabindex: "0", title: note } : { class: `claim ${kind}` };
    const said = note ? h("span", { class: "visually-hidden" }, ` (${note})`) : null;
    out.push(h("span", attrs, ...linkedAnswer(answer, answer.answer.slice(c.start, c.end)), said));
    cursor = c.end;
  }
  if (cursor < answer.answer.length) out.push(...linkedAnswer(answer, answer.answer.slice(cursor)));
  return out;
}

function showClaims(answer) {
  const s = answer.claims_summary;
  const total = s ? s.supported + s.unsupported + s.uncited : 0;
  $("claims-summary").hidden = !total && !(s && s.dropped);
  if (!s) return;
  const dropped = s.dropped ? ` ${s.dropped} unsupported sentence${s.dropped === 1 ? " was" : "s were"} removed.` : "";
  const flagged = s.unsupported + s.uncited ? " The marked ones are not supported: focus one to read why." : "";
  $("claims-summary").textContent = `Answer check: ${s.supported} of ${total} sentence${total === 1 ? "" : "s"} supported by the passages they cite.${flagged}${dropped}`;
}

// Confidence in words, the reason, and each key term with a mark and words (not colour alone).
function showVerdict(answer) {
  $("verdict").hidden = false;
  $("verdict").dataset.support = answer.support;
  $("support").textContent = `Search: ${answer.support}.`;
  $("reason").textContent = answer.reason;
  $("coverage").replaceChildren(
    ...answer.coverage.map((c) =>
      h(
        "li",
        { class: c.found ? "found" : "missing", title: c.found ? (c.where ? `in ${c.where.title || c.where.doc_id}` : "the source's outlet, author or year") : "in no passage close to the question" },
        `${c.found ? "✓" : "✗"} ${c.term}`,
        h("span", { class: "visually-hidden" }, c.found ? " (found)" : " (not found)"),
      ),
    ),
  );
}

// Each disagreement's sides next to each other, oldest first: outlet, date, the differing value
// and the sentence that gives it, which opens in its article at the quote.
function showDisagreements(answer) {
  const found = answer.disagreements || [];
  $("disagreements").hidden = !found.length;
  $("disagreements").replaceChildren(
    ...found.map((d) =>
      h("section", { class: "disagreement", "aria-label": `Sources disagree on ${d.about}` },
        h("h3", {}, `Sources disagree on ${d.about}`),
        h("div", { class: "sides" }, ...d.sides.map((s) => sideCard(answer, s)))),
    ),
  );
}

function sideCard(answer, side) {
  const passage = answer.citations[side.citation - 1];
  const quote = { citation: side.citation, doc_id: side.doc_id, start: side.start, end: side.end };
  return h("article", { class: "side" },
    h("p", { class: "side-source" }, `${side.outlet || side.doc_id} · ${side.published ? formatDate(side.published) : "undated"}`,
      side.later ? h("span", { class: "later" }, " · a later report") : null),
    h("p", { class: "side-value" }, side.value),
    h("blockquote", {}, side.quote),
    h("button", { type: "button", onclick: () => openSource(passage, [quote]) }, `Open source [${side.citation}]`));
}

const FORMAT_NAMES = { md: "Markdown with footnotes", csl: "CSL-JSON", bibtex: "BibTeX", biblatex: "biblatex" };

// One Copy button per format; each source's quote and character span travel in its note.
function showExports(answer) {
  $("exports").hidden = !answer.answerable || !answer.cited.length;
  for (const button of $("exports").querySelectorAll("button")) {
    button.onclick = async () => {
      const format = button.dataset.format;
      try {
        await navigator.clipboard.writeText(answer.exports[format]);
        const documents = new Set(answer.cited.map((n) => answer.citations[n - 1].source.doc_id)).size;
        say(`Copied ${documents} source${documents === 1 ? "" : "s"} as ${FORMAT_NAMES[format]}.`);
      } catch (error) {
        say(`Could not copy (${error.message}): the browser did not allow the clipboard.`, "error");
      }
    };
  }
}

function showSearchedAs(answer) {
  const rewritten = answer.searched_as !== answer.question;
  $("searched-as").hidden = !rewritten;
  $("searched-as").textContent = rewritten ? `Searched as: “${answer.searched_as}”` : "";
}

function showWatch(answer, filters) {
  $("watch-line").hidden = false;
  $("watch-button").onclick = () => watchQuestion(answer.searched_as, filters);
}

function showDone(answer) {
  showSearchedAs(answer);
  showVerdict(answer);
  showExports(answer);
  const cited = new Set(answer.cited);
  const numbered = answer.citations.map((p, i) => [p, i + 1]);
  const evidence = numbered.filter(([, n]) => cited.has(n));
  const also = numbered.filter(([, n]) => !cited.has(n));
  $("answer").replaceChildren(...checkedAnswer(answer));
  showClaims(answer);
  showDisagreements(answer);
  $("answer").dataset.state = answer.answerable ? "answered" : "declined";
  if (!answer.answerable) {
    say(answer.citations.length
      ? "Not covered by the articles. The nearest passages are below, so you can judge for yourself."
      : "Nothing was searched: no article matches the filters (see above).", "declined");
  } else {
    say(`Answered from ${evidence.length} cited passage${evidence.length === 1 ? "" : "s"}.`);
  }
  $("evidence-title").textContent = answer.answerable ? "Evidence" : "Nearest passages (not enough to answer)";
  $("evidence").hidden = answer.answerable ? !evidence.length : !also.length;
  $("evidence-list").replaceChildren(...(answer.answerable ? evidence : also).map(([p, n]) => passageCard(p, n, answer)));
  $("also").hidden = !answer.answerable || !also.length;
  $("also-list").replaceChildren(...(answer.answerable ? also : []).map(([p, n]) => passageCard(p, n, answer)));
}

export async function ask(state, generator) {
  history.replaceState(null, "", linkFor(state));
  $("overview").hidden = true;
  $("answer").replaceChildren();
  delete $("answer").dataset.state;
  $("verdict").hidden = true;
  $("exports").hidden = true;
  $("evidence").hidden = true;
  $("also").hidden = true;
  $("searched-as").hidden = true;
  $("watch-line").hidden = true;
  $("claims-summary").hidden = true;
  $("disagreements").hidden = true;
  say("Searching the articles…");
  busy(true);
  try {
    const conversation = turns.length ? turns : null;
    const json = { question: state.q, generator: generator || null, stream: true, filters: filtersOf(state), cite: "all", conversation };
    const response = await call("/answer", { method: "POST", json });
    for await (const { kind, data } of events(response)) {
      if (kind === "token") {
        $("answer").append(data);
        say("Writing the answer…");
      } else if (kind === "done") {
        showDone(data);
        showWatch(data, json.filters);
        remember(data);
      }
      else if (kind === "error") throw new Problem(data.detail, data.status);
    }
  } catch (error) {
    say(error instanceof Problem ? error.message : `Something went wrong: ${error.message}`, "error");
  } finally {
    busy(false);
    showConversation();
  }
}
