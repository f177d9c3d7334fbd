// A list of questions at once: one a line, answered in turn with a progress bar, shown as a
// table, and downloadable as the same CSV `rag ask --batch` writes.

import { $, h, tell } from "./dom.js";
import { call, events, Problem } from "./http.js";

const say = (text, kind) => tell("list-status", text, kind);

function sourcesOf(row) {
  if (row.error) return row.error;
  return row.citations.map((c) => `[${c.citation}] ${c.title || c.doc_id}${c.outlet ? `, ${c.outlet}` : ""}${c.published ? `, ${c.published.slice(0, 10)}` : ""}`).join("; ");
}

function tableRow(row) {
  const support = row.error ? "not asked" : row.support;
  return h(
    "tr",
    { "data-support": support },
    h("td", {}, String(row.row)),
    h("td", {}, row.question),
    h("td", {}, support),
    h("td", {}, row.answer || ""),
    h("td", {}, sourcesOf(row)),
  );
}

async function answerList(event) {
  event.preventDefault();
  const questions = $("list-questions").value.split("\n").map((q) => q.trim()).filter(Boolean);
  if (!questions.length) return say("Write one question a line first.", "error");
  $("list-run").disabled = true;
  $("list-download").hidden = true;
  $("list-rows").replaceChildren();
  $("list-progress").hidden = false;
  $("list-progress").max = questions.length;
  $("list-progress").value = 0;
  say(`Answering ${questions.length} questions…`);
  try {
    const json = { questions: questions.map((question) => ({ question })), stream: true, format: "csv" };
    const response = await call("/batch", { method: "POST", json });
    for await (const { kind, data } of events(response)) {
      if (kind === "row") {
        $("list-progress").value = data.done;
        $("list-rows").append(tableRow(data.row));
        say(`Answered ${data.done} of ${data.total}.`);
      } else if (kind === "done") {
        const url = URL.createObjectURL(new Blob([data.text], { type: "text/csv" }));
        $("list-download").href = url;
        $("list-download").hidden = false;
        say(`All ${data.rows} questions answered.`);
      } else if (kind === "error") throw new Problem(data.detail, data.status);
    }
  } catch (error) {
    say(error instanceof Problem ? error.message : `Something went wrong: ${error.message}`, "error");
  } finally {
    $("list-run").disabled = false;
  }
}

export function installList() {
  $("list-form").addEventListener("submit", answerList);
}
