"""The page on a phone and a desk: archive order, groups and pages, actions that can work,
readable evidence, one date format, and nothing that jumps or lingers between views."""

import re

import httpx
from playwright.sync_api import expect

from tests.browser import AUTH, Tab, ask
from tests.conftest import WRITE


def test_archive_groups_files_sorts_and_pages(tab: Tab, site: str) -> None:
    page = tab.page
    extra = [
        ("files", (f"brief-{n:02d}.txt", f"Brief {n}\n\nItem {n} of the morning brief.\n".encode(), "text/plain"))
        for n in range(12)
    ]  # fmt: skip
    added = httpx.post(
        f"{site}/documents", files=extra, headers={"authorization": f"Bearer {WRITE}"}, timeout=120
    )
    assert added.status_code == 201, added.text
    try:
        page.goto("/#archive")
        rows = page.locator("#library-rows li.doc")
        expect(rows).to_have_count(20)
        expect(page.locator("#page-label")).to_have_text("Page 1 of 2")
        page.click("#page-next")
        expect(page.locator("#page-label")).to_have_text("Page 2 of 2")
        expect(page.locator("#page-next")).to_be_disabled()
        files = len({d["doc_id"].split("#")[0] for d in listing(site)})
        expect(rows).to_have_count(files - 20)

        page.select_option("#library-sort", "newest")
        first = rows.first.get_attribute("data-file")
        dated = sorted(
            ((a["published"], d["doc_id"].split("#")[0]) for d in listing(site) for a in d["articles"] if a["published"]),
            reverse=True,
        )  # fmt: skip
        assert first == dated[0][1]
        page.select_option("#library-sort", "outlet")
        outlets = [
            o
            for o in page.eval_on_selector_all(
                "#library-rows li.doc", "els => els.map(e => e.dataset.outlet)"
            )
            if o
        ]
        assert outlets and outlets == sorted(outlets, key=str.casefold)

        feed = page.locator("#library-rows li[data-file='morrow.rss']")
        expect(feed).to_contain_text("2 articles in this file")
        feed.locator("summary").click()
        expect(feed.locator(".articles li")).to_have_count(2)
        expect(feed.locator("button")).to_have_count(1)  # the file's, none per record
    finally:
        for name, *_ in [f for _, f in extra]:
            httpx.delete(f"{site}/documents/{name}", headers={"authorization": f"Bearer {WRITE}"})


def listing(site: str) -> list[dict]:
    return httpx.get(f"{site}/documents", headers=AUTH).json()["documents"]  # type: ignore[no-any-return]


def test_removing_a_corpus_file_keeps_it_and_restore_brings_it_back(tab: Tab, site: str) -> None:
    page = tab.page
    page.context.add_init_script(f"localStorage.setItem('rag-key', {WRITE!r})")
    page.goto("/#archive")
    council = page.locator("#library-rows li[data-file='council.txt']")
    expect(council.locator("button")).to_have_text("Remove")
    council.locator("button").click()
    expect(page.locator("#confirm-text")).to_contain_text("stays in your folder")
    page.locator("#confirm-go").click()
    expect(page.locator("#library-status")).to_contain_text("still in your folder")
    expect(council).to_have_count(0)
    expect(page.locator("#excluded-list")).to_contain_text("council.txt")
    page.get_by_role("button", name="Restore council.txt").click()
    expect(page.locator("#library-status")).to_contain_text("Restored council.txt")
    expect(council).to_have_count(1)
    expect(page.locator("#excluded")).to_be_hidden()


def test_evidence_reads_whole_with_a_cue_and_copies_are_named(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    ask(page, "What pay offer ended the train drivers' strike?")
    card = page.locator("#results .passage").first
    expect(card.locator(".copies")).to_contain_text("Also ran in")
    texts = page.locator("#results .passage .text")
    for i in range(texts.count()):
        clipped = texts.nth(i).evaluate("el => el.scrollHeight > el.clientHeight + 1")
        assert not clipped
    ask(page, "What did the board find about the mooring lines?")
    cues = page.locator("#results .passage .continues")
    ends = page.locator("#results .passage .text").all_inner_texts()
    cut = [t for t in ends if not t.rstrip().endswith((".", "!", "?", '"', "”", ")", "article"))]
    assert cut == [], cut
    expect(cues.first).to_be_visible()


def test_dates_read_one_way_and_typed_dates_filter(tab: Tab) -> None:
    page = tab.page
    page.goto("/?q=ferry&from=2024-03-01&to=2024-03-31")
    expect(page.locator("#date-from")).to_have_value("1 Mar 2024")
    page.fill("#date-from", "2 March 2024")
    page.fill("#date-to", "2024-03-20")
    ask(page, "ferry timetable")
    assert "from=2024-03-02" in page.url and "to=2024-03-20" in page.url
    expect(page.locator("#date-to")).to_have_value("20 Mar 2024")
    for byline in page.locator("#results .passage .source").all_inner_texts():
        assert "Mar 2024" in byline
    page.fill("#date-from", "next week")
    page.click("#ask-button")
    expect(page.locator("#status")).to_contain_text("is not a date: write it like 31 Jan 2018")


def test_placeholder_status_and_layout(tab: Tab, site: str) -> None:
    page = tab.page
    page.goto("/")
    titles = {a["title"] for d in listing(site) for a in d["articles"] if a["title"]}
    expect(page.locator("#question")).to_have_attribute("placeholder", re.compile("“"))
    shown = page.locator("#question").get_attribute("placeholder") or ""
    assert any(t in shown for t in titles), shown
    ask(page, "How many passengers did the first ferry crossing carry?")
    where = "el => { const b = el.getBoundingClientRect(); return [b.x, b.y + scrollY, b.width]; }"
    form = page.locator("#ask").evaluate(where)
    page.locator("#answer a.cite").first.click()
    expect(page.locator("#reader-passage")).to_be_visible()
    assert page.locator("#ask").evaluate(where) == form  # opening the article moves nothing above
    page.click("#tab-archive")
    expect(page.locator("#library-view")).to_be_visible()
    expect(page.locator("#status")).to_be_hidden()
    page.click("#tab-ask")
    expect(page.locator("#status")).to_be_visible()


def test_records_offer_no_delete_of_their_own(tab: Tab) -> None:
    """Every Delete or Remove offered works: records have none of their own."""
    page = tab.page
    page.goto("/#archive")
    expect(page.locator("#library-rows li.doc").first).to_be_visible()
    record_buttons = page.locator("#library-rows .articles button")
    expect(record_buttons).to_have_count(0)
