// Wires the page: the API key, the five views (Ask, List, Timeline, Watched, Archive), and a shared ?q= link on arrival.

import { $ } from "./dom.js";
import { apiKey, call } from "./http.js";
import { ask, newConversation, readState, say, showState } from "./ask.js";
import { installLibrary, loadLibrary, outlets, titles } from "./library.js";
import { installList } from "./list.js";
import { showOverview } from "./overview.js";
import { installReader } from "./reader.js";
import { installTimeline } from "./timeline.js";
import { installWatches, refresh as refreshWatches } from "./watches.js";

const VIEWS = { "#list": "list", "#timeline": "timeline", "#watched": "watched", "#archive": "archive" };

function showView() {
  const view = VIEWS[location.hash] || "ask";
  for (const name of ["ask", "list", "timeline", "watched", "archive"]) {
    $(name === "archive" ? "library-view" : `${name}-view`).hidden = view !== name;
    $(`tab-${name}`).setAttribute("aria-current", view === name ? "page" : "false");
  }
  const archive = view === "archive";
  $("status").hidden = view !== "ask";
  if (archive) loadLibrary().catch((error) => say(error.message, "error"));
  if (view === "watched") refreshWatches(true).catch((error) => say(error.message, "error"));
}

// The placeholder names an article this archive holds, not the demo corpus.
function suggest() {
  const known = titles();
  if (!known.length) return;
  const title = known[Math.floor(Math.random() * known.length)];
  $("question").placeholder = `e.g. What do the articles say about “${title}”?`;
}

function fillOutlets() {
  const select = $("outlet");
  const chosen = select.value;
  const names = new Set([...outlets(), chosen].filter(Boolean));
  select.replaceChildren(new Option("Any outlet", ""), ...[...names].map((n) => new Option(n, n)));
  select.value = chosen;
}

async function loadGenerators() {
  const list = await (await call("/generators")).json();
  $("generator").replaceChildren(
    ...list.map((g) => {
      const option = new Option(g.name + (g.available ? "" : " (not configured)"), g.name, g.default, g.default);
      option.disabled = !g.available;
      return option;
    }),
  );
}

async function load() {
  try {
    await Promise.all([loadGenerators(), loadLibrary(), refreshWatches()]);
    return true;
  } catch (error) {
    say(error.message, "error");
    return false;
  }
}

// An example question from the overview is asked as if typed.
function askExample(question) {
  $("question").value = question;
  $("ask").requestSubmit();
}

function install() {
  if (matchMedia("(max-width: 760px)").matches) $("narrow").open = false; // the answer first on a phone
  $("key").value = apiKey.get();
  $("key").addEventListener("change", async () => {
    apiKey.set($("key").value.trim());
    if (await load()) say("Key saved.");
  });
  installReader();
  installList();
  installTimeline();
  installWatches();
  installLibrary(() => {
    fillOutlets();
    suggest();
    if (!$("overview").hidden || !$("question").value) showOverview(askExample);
  });
  window.addEventListener("hashchange", showView);
  $("new-conversation").addEventListener("click", () => {
    newConversation();
    $("question").value = "";
    $("question").focus();
    say("New conversation: the next question stands on its own.");
  });
  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    try {
      ask(readState(), $("generator").value);
    } catch (error) {
      say(error.message, "error");
    }
  });
}

install();
load().then((ready) => {
  showView();
  const params = new URLSearchParams(location.search);
  showState(params);
  if (ready && params.get("q")) ask(readState(), $("generator").value);
  else if (ready) showOverview(askExample);
});
