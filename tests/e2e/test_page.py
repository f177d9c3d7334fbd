"""The newsroom page in a real Chromium against a real server: ask, read sources, filter, manage."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser import AUTH, Tab, ask, fits, open_tab, screenshot
from tests.conftest import READ, WRITE

RELOAD_QUESTION = "How much did the pier repairs cost?"


def document(site: str, doc_id: str) -> dict[str, Any]:
    reply = httpx.get(f"{site}/documents/{doc_id}", headers=AUTH)
    reply.raise_for_status()
    return reply.json()  # type: ignore[no-any-return]


def passage_docs(page: Page, where: str = "#results") -> list[str]:
    return [t.split(" · ")[0] for t in page.locator(f"{where} .passage .where").all_inner_texts()]


def test_answer_streams_and_citation_opens_the_exact_passage(
    tab: Tab, site: str, screenshots: Path | None
) -> None:
    page = tab.page
    page.add_init_script(
        "new MutationObserver(() => { const a = document.getElementById('answer');"
        " if (a && a.textContent && !a.dataset.state) window.partial = (window.partial || 0) + 1; })"
        ".observe(document, {subtree: true, childList: true, characterData: true});"
    )
    page.goto("/")
    answer = ask(page, "Who won the contract to dredge the main channel?")
    assert answer["answerable"] and answer["cited"] == [1]
    assert page.evaluate("window.partial") >= 2, "the answer should appear piece by piece"
    expect(page.locator("#answer")).to_contain_text("Tidewater Marine")
    expect(page.locator("#evidence-list .passage")).to_have_count(1)
    expect(page.locator("#also-title")).to_be_visible()
    assert page.locator("#also-list .passage").count() == len(answer["citations"]) - 1

    page.locator("#answer a.cite", has_text="[1]").first.click()
    mark = page.locator("#reader-passage")
    expect(mark).to_be_visible()
    source = answer["citations"][0]["source"]
    text = document(site, source["doc_id"])["text"]
    assert mark.text_content() == text[source["start"] : source["end"]]
    assert (
        int(mark.get_attribute("data-start") or -1),
        int(mark.get_attribute("data-end") or -1),
    ) == (
        source["start"],
        source["end"],
    )
    quotes = page.locator("#reader-text mark.quote")
    assert quotes.count() == len(answer["quotes"]) >= 1
    for i, quote in enumerate(answer["quotes"]):
        assert quotes.nth(i).text_content() == text[quote["start"] : quote["end"]] == quote["text"]
    facts = page.locator("#reader-facts").inner_text()
    assert "The Harbour Brief" in facts and "brief.eml" in facts and "10 Apr 2024" in facts
    screenshot(tab, screenshots, "answer-with-source")


def test_pdf_passage_shows_its_pages_and_highlights(tab: Tab, site: str) -> None:
    page = tab.page
    page.goto("/?q=" + "How many incidents were reported in the harbour in 2023?")
    expect(page.locator("#answer")).to_have_attribute("data-state", "answered")
    card = page.locator(".passage", has_text="safety-report.pdf").first
    expect(card.locator(".where")).to_contain_text("page")
    card.get_by_role("button", name=re.compile("Read passage")).click()
    expect(page.locator("#reader-facts")).to_contain_text("page")
    doc_id, span = card.locator(".where").inner_text().split(" · ")[:2]
    start, end = map(int, re.findall(r"\d+", span))
    assert (
        page.locator("#reader-passage").text_content() == document(site, doc_id)["text"][start:end]
    )
    for mark in page.locator("#reader-text mark.highlight").all():
        s, e = int(mark.get_attribute("data-start") or 0), int(mark.get_attribute("data-end") or 0)
        assert start <= s < e <= end and mark.text_content() == document(site, doc_id)["text"][s:e]


def test_keyboard_reaches_sources_and_escape_returns(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    for el in page.locator("input, select").all():
        named = el.evaluate("e => e.labels.length > 0 || !!e.getAttribute('aria-label')")
        assert named, el.evaluate("e => e.outerHTML")
    ask(page, "Where will the Dunmore Rovers match be played?")
    link = page.locator("#answer a.cite").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#reader")).to_be_visible()
    expect(page.locator("#reader-title")).to_be_focused()
    expect(page.locator("#reader-title")).to_have_text("Rovers match moved to Harlow Park")
    page.keyboard.press("Escape")
    expect(page.locator("#reader")).to_be_hidden()
    expect(link).to_be_focused()


def test_filters_narrow_the_passages_and_live_in_the_link(
    tab: Tab, screenshots: Path | None
) -> None:
    page = tab.page
    page.goto("/")
    ask(page, RELOAD_QUESTION)
    unfiltered = passage_docs(page)
    assert {"harbour.txt", "safety-report.pdf"} <= set(unfiltered)

    page.select_option("#outlet", "Kestrel Gazette")
    page.fill("#date-from", "2024-03-01")
    ask(page, RELOAD_QUESTION)
    assert set(passage_docs(page)) == {"gazette-harbour.html"}
    assert "outlet=Kestrel+Gazette" in page.url and "from=2024-03-01" in page.url
    screenshot(tab, screenshots, "filtered")

    page.goto(page.url)  # the shared link asks again with the same filters
    expect(page.locator("#answer")).to_have_attribute("data-state", "answered")
    assert page.input_value("#outlet") == "Kestrel Gazette"
    assert page.input_value("#date-from") == "1 Mar 2024"
    assert set(passage_docs(page)) == {"gazette-harbour.html"}

    page.fill("#date-from", "2025-01-01")
    answer = ask(page, RELOAD_QUESTION, published_from="2025-01-01", outlets=["Kestrel Gazette"])
    assert answer["citations"] == [] and not answer["answerable"]
    expect(page.locator("#status")).to_contain_text("no article matches the filters")
    expect(page.locator("#answer")).to_contain_text("No article matches")


def test_unanswerable_question_shows_not_covered_with_nearest_passages(
    tab: Tab, screenshots: Path | None
) -> None:
    page = tab.page
    page.goto("/")
    answer = ask(page, "What is the boiling point of liquid nitrogen?")
    assert not answer["answerable"]
    expect(page.locator("#status")).to_contain_text("Not covered by the articles")
    expect(page.locator("#status")).to_have_attribute("data-kind", "declined")
    expect(page.locator("#evidence-title")).to_have_text("Nearest passages (not enough to answer)")
    expect(page.locator("#evidence-list .passage")).to_have_count(len(answer["citations"]))
    expect(page.locator("#answer a.cite")).to_have_count(0)
    expect(page.locator("#support")).to_have_text("Search: not covered.")
    expect(page.locator("#reason")).to_have_text(answer["reason"])
    missing = [c["term"] for c in answer["coverage"] if not c["found"]]
    assert missing, answer["coverage"]
    expect(page.locator("#coverage li.missing")).to_have_count(len(missing))
    expect(page.locator("#coverage li.missing").first).to_contain_text("(not found)")
    screenshot(tab, screenshots, "not-covered")


def test_an_answer_says_in_words_how_well_it_is_supported_and_by_which_terms(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    answer = ask(page, RELOAD_QUESTION)
    assert answer["answerable"] and answer["support"] in ("well supported", "partly supported")
    expect(page.locator("#verdict")).to_be_visible()
    expect(page.locator("#support")).to_have_text(f"Search: {answer['support']}.")
    expect(page.locator("#reason")).to_have_text(answer["reason"])
    found = [c for c in answer["coverage"] if c["found"]]
    expect(page.locator("#coverage li.found")).to_have_count(len(found))
    first = page.locator("#coverage li.found").first
    expect(first).to_contain_text(found[0]["term"])
    expect(first).to_have_attribute("title", re.compile(r"^in "))


def test_archive_lists_uploads_and_deletes_with_a_write_key(
    tab: Tab, site: str, screenshots: Path | None
) -> None:
    page = tab.page
    tab.allowed.append("status of 403")  # the read key's refused upload, on purpose
    page.goto("/#archive")
    rows = page.locator("#library-rows li.doc")
    expect(rows.first).to_be_visible()
    listed = httpx.get(f"{site}/documents", headers=AUTH).json()
    files = {d["doc_id"].split("#")[0] for d in listed["documents"]}
    expect(rows).to_have_count(len(files))
    expect(page.locator("#skipped-list")).to_contain_text("scan.pdf")
    gazette = page.locator("#library-rows li[data-file='gazette-harbour.html']")
    expect(gazette).to_contain_text("Kestrel Gazette")
    expect(gazette).to_contain_text("5 Mar 2024")
    page.fill("#library-search", "gazette")
    expect(rows).to_have_count(1)
    page.fill("#library-search", "")

    note = (
        "Lighthouse keeper retires\n\nAfter 41 years the Morrow lighthouse keeper, Ada Finch, "
        "retired on Sunday. The light has been automatic since 2019, but she stayed on to look "
        "after the building and to run tours for visiting schools every summer.\n"
    )
    page.set_input_files(
        "#upload-files",
        {"name": "lighthouse.txt", "mimeType": "text/plain", "buffer": note.encode()},
    )
    page.click("#upload-button")
    expect(page.locator("#library-status")).to_contain_text("write key")
    expect(page.locator("#library-rows li[data-file='lighthouse.txt']")).to_have_count(0)

    page.get_by_text("API key", exact=True).click()
    page.fill("#key", WRITE)
    page.press("#key", "Enter")
    expect(page.locator("#status")).to_contain_text("Key saved")
    page.set_input_files(
        "#upload-files",
        {"name": "lighthouse.txt", "mimeType": "text/plain", "buffer": note.encode()},
    )
    page.click("#upload-button")
    expect(page.locator("#library-status")).to_contain_text("lighthouse.txt (added")
    expect(page.locator("#library-rows li[data-file='lighthouse.txt']")).to_contain_text(
        "Lighthouse keeper retires"
    )

    dropped = page.evaluate_handle(
        "() => { const d = new DataTransfer(); d.items.add(new File(['Pier cafe reopens\\n\\n"
        "The pier cafe reopened on Monday with a new owner, Rhys Dale, who moved to the island "
        "from Cardiff last spring and will keep the old menu of crab sandwiches.\\n'], 'cafe.txt',"
        " {type: 'text/plain'})); return d; }"
    )
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": dropped})
    expect(page.locator("#library-rows li[data-file='cafe.txt']")).to_contain_text(
        "Pier cafe reopens"
    )
    screenshot(tab, screenshots, "archive")

    page.locator("#library-rows li[data-file='lighthouse.txt'] button.delete").click()
    expect(page.locator("#confirm")).to_be_visible()
    page.get_by_role("button", name="Keep it").click()
    expect(page.locator("#library-rows li[data-file='lighthouse.txt']")).to_have_count(1)
    page.locator("#library-rows li[data-file='lighthouse.txt'] button.delete").click()
    page.locator("#confirm-go").click()
    expect(page.locator("#library-status")).to_contain_text("Deleted lighthouse.txt")
    expect(page.locator("#library-rows li[data-file='lighthouse.txt']")).to_have_count(0)
    page.locator("#library-rows li[data-file='cafe.txt'] button.delete").click()
    page.locator("#confirm-go").click()
    expect(page.locator("#library-rows li[data-file='cafe.txt']")).to_have_count(0)
    ids = [d["doc_id"] for d in httpx.get(f"{site}/documents", headers=AUTH).json()["documents"]]
    assert "lighthouse.txt" not in ids and "cafe.txt" not in ids


def test_missing_key_and_dead_server_are_said_in_plain_words(browser: Browser, site: str) -> None:
    keyless = open_tab(browser, site, None)
    keyless.allowed.append("status of 401")
    keyless.page.goto("/")
    expect(keyless.page.locator("#status")).to_contain_text("needs an API key")
    assert keyless.unexpected() == []
    keyless.page.context.close()

    down = open_tab(browser, site, READ)
    down.allowed.append("net::ERR_FAILED")
    down.page.goto("/")
    expect(down.page.locator("#generator option").first).to_be_attached()
    down.page.route("**/answer", lambda route: route.abort())
    down.page.fill("#question", RELOAD_QUESTION)
    down.page.click("#ask-button")
    expect(down.page.locator("#status")).to_contain_text("Cannot reach the server")
    expect(down.page.locator("#status")).to_have_attribute("role", "alert")
    expect(down.page.locator("#ask-button")).to_be_enabled()
    assert down.unexpected() == []
    down.page.context.close()


PLACEHOLDER_FITS = """(el) => {
  const style = getComputedStyle(el);
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = style.font;
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return ctx.measureText(el.placeholder).width <= room;
}"""


def test_the_empty_page_says_what_the_archive_holds_and_offers_questions(
    tab: Tab, site: str
) -> None:
    page = tab.page
    page.goto("/")
    docs = httpx.get(f"{site}/documents", headers=AUTH).json()["documents"]
    articles = [a for d in docs for a in d["articles"] if a["page"] != "listing"]
    outlets = {a["outlet"] for a in articles if a["outlet"]}
    expect(page.locator("#overview-facts")).to_contain_text(
        f"The archive holds {len(articles)} articles from {len(outlets)} outlets, published "
    )
    examples = page.locator("#examples button")
    expect(examples).to_have_count(3)
    for field in ("#date-from", "#date-to"):  # "e.g. 31 Dec 201" was cut off
        assert page.locator(field).evaluate(PLACEHOLDER_FITS), field
    question = examples.first.inner_text()
    examples.first.click()
    expect(page.locator("#answer")).to_have_attribute("data-state", re.compile("answered|declined"))
    expect(page.locator("#overview")).to_be_hidden()
    assert page.input_value("#question") == question
    ask(
        page, "What was the biggest ferry crossing?"
    )  # "biggest" ranks, the passage need not say it
    terms = page.locator("#coverage li").all_inner_texts()
    assert terms and not any("biggest" in t for t in terms), terms


def test_phone_layout_fits_and_shows_the_source(
    browser: Browser, site: str, screenshots: Path | None
) -> None:
    phone = open_tab(
        browser, site, READ, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.page
    page.goto("/")
    assert fits(page, 390)
    expect(page.locator("#narrow")).not_to_have_attribute("open", "")  # folded on a phone
    expect(page.locator("#date-from")).to_be_hidden()
    ask(page, "How many passengers did the first ferry crossing carry?")
    assert fits(page, 390)
    assert page.locator("#answer").bounding_box()["y"] < 450  # was ~580 under the filters
    page.locator("#answer a.cite").first.click()
    expect(page.locator("#reader-passage")).to_be_in_viewport()
    assert fits(page, 390)
    screenshot(phone, screenshots, "phone")
    ask(page, "What did the village fete raise for the school roof?")  # a record's long id
    assert fits(page, 390)
    page.goto("/#archive")
    expect(page.locator("#library-rows li.doc").first).to_be_visible()
    assert fits(page, 390)
    assert phone.unexpected() == []
    phone.page.context.close()


def test_copy_buttons_put_each_citation_format_on_the_clipboard(
    browser: Browser, site: str
) -> None:
    tab = open_tab(browser, site, READ, permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    page.goto("/")
    answer = ask(page, RELOAD_QUESTION)
    assert answer["answerable"] and answer["cited"]
    expect(page.locator("#exports")).to_be_visible()
    button = page.get_by_role("button", name="Copy as CSL-JSON")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("as CSL-JSON")
    items = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert items and all("characters" in item["note"] for item in items)
    page.get_by_role("button", name="Copy as BibTeX").click()
    expect(page.locator("#status")).to_contain_text("as BibTeX")
    assert page.evaluate("navigator.clipboard.readText()").startswith("@article{")
    assert tab.unexpected() == []
    tab.page.context.close()


def test_a_list_of_questions_is_answered_with_progress_and_downloads_as_csv(tab: Tab) -> None:
    page = tab.page
    page.goto("/#list")
    questions = [RELOAD_QUESTION, "What is the boiling point of liquid nitrogen?", RELOAD_QUESTION]
    page.fill("#list-questions", "\n".join(questions))
    page.get_by_role("button", name="Answer the list").click()
    expect(page.locator("#list-status")).to_have_text("All 3 questions answered.")
    expect(page.locator("#list-rows tr")).to_have_count(3)
    expect(page.locator("#list-progress")).to_have_attribute("value", "3")
    expect(page.locator("#list-rows tr").nth(1)).to_have_attribute("data-support", "not covered")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("row,question,answerable") and text.count(RELOAD_QUESTION) >= 2


def test_a_records_script_url_is_shown_as_text_not_a_link(tab: Tab, site: str) -> None:
    record = {
        "title": "Lighthouse keeper retires",
        "text": "The Kestrel Point lighthouse keeper, Ada Marlow, retired on Friday after 41 years.",
        "url": "javascript:alert(document.cookie)",
    }
    upload = httpx.post(
        f"{site}/documents",
        files=[("files", ("lighthouse.jsonl", json.dumps(record).encode(), "application/json"))],
        headers={"authorization": f"Bearer {WRITE}"},
        timeout=120,
    )
    assert upload.status_code == 201, upload.text
    page = tab.page
    page.goto("/")
    answer = ask(page, "When did the Kestrel Point lighthouse keeper retire?")
    assert answer["citations"][0]["source"]["url"] == record["url"]
    page.locator(".passage button.read").first.click()
    facts = page.locator("#reader .facts")
    expect(facts).to_contain_text(record["url"])
    assert page.locator("#reader a[href^='javascript']").count() == 0
    httpx.delete(f"{site}/documents/lighthouse.jsonl", headers={"authorization": f"Bearer {WRITE}"})
