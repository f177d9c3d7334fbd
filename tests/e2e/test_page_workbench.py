"""The reporter's workbench on the newsroom page, in a real Chromium: follow-up questions kept
as a conversation, watched questions with their changes, and each answer sentence marked as
its check came out."""

import re

import httpx
from playwright.sync_api import Browser, Page, expect

from api.app import create_app
from rag.service import RagService
from tests.browser import Tab, open_tab
from tests.conftest import WRITE
from tests.fake_llm import create_fake_llm
from tests.server import serve


def submit(page: Page, question: str) -> None:
    """Ask on the page and wait until the answer (or the decline) is shown."""
    page.evaluate("delete document.getElementById('answer').dataset.state")
    page.fill("#question", question)
    page.click("#ask-button")
    expect(page.locator("#answer")).to_have_attribute("data-state", re.compile("answered|declined"))


def test_a_follow_up_is_asked_in_the_conversation_until_a_new_one(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    submit(page, "Who won the contract to dredge the main channel?")
    expect(page.locator("#searched-as")).to_be_hidden()
    expect(page.locator("#conversation")).to_be_visible()
    expect(page.locator("#earlier")).to_contain_text("dredge the main channel")

    submit(page, "How much was it worth?")
    searched = page.locator("#searched-as")
    expect(searched).to_be_visible()
    expect(searched).to_contain_text("Searched as: “How much was it worth? (")
    expect(page.locator("#answer")).to_contain_text("3.4 million")
    expect(page.locator("#earlier .turn")).to_have_count(2)

    page.click("#new-conversation")
    expect(page.locator("#conversation")).to_be_hidden()
    expect(page.locator("#status")).to_contain_text("New conversation")
    submit(page, "How much was it worth?")
    expect(page.locator("#searched-as")).to_be_hidden()
    assert not tab.unexpected()


def test_a_watched_question_shows_a_badge_and_the_change_after_an_upload(
    tab: Tab, site: str
) -> None:
    page = tab.page
    page.goto("/")
    question = "Who won the contract to dredge the main channel?"
    submit(page, question)
    page.click("#watch-button")
    expect(page.locator("#status")).to_contain_text("Watching “Who won the contract")
    expect(page.locator("#watch-badge")).to_be_hidden()

    correction = (
        "Dredging contract withdrawn\n\nThe port authority withdrew the contract to dredge the "
        "main channel from Tidewater Marine and awarded it to Harbour Works instead.\n"
    )
    upload = {"doc_id": "correction.txt", "text": correction}
    headers = {"authorization": f"Bearer {WRITE}"}
    assert httpx.post(f"{site}/documents", json=upload, headers=headers, timeout=120).is_success

    badge = page.locator("#watch-badge")
    expect(badge).to_have_text("1", timeout=15_000)
    page.click("#tab-watched")
    watch = page.locator("#watched-list .watch").first
    expect(watch).to_contain_text(question)
    expect(watch.locator(".change strong")).to_contain_text("new: 1 article")
    expect(watch.locator(".change .after")).to_contain_text("Harbour Works")
    expect(badge).to_be_hidden()
    watch.locator("button", has_text="Stop watching").click()
    expect(page.locator("#watched-list .watch")).to_have_count(0)
    assert not tab.unexpected()


def test_unsupported_sentences_are_marked_and_say_why_by_keyboard(
    browser: Browser, seed_service: RagService
) -> None:
    with serve(create_fake_llm()) as llm:
        service = seed_service.derive(
            generator="openai", openai_base_url=f"{llm}/v1", openai_model="mixed"
        )
        with serve(create_app(service.settings, service)) as url:
            tab = open_tab(browser, url, None)
            page = tab.page
            page.goto("/")
            submit(page, "Where was Yidiresi Aishan arrested?")
            supported = page.locator("#answer .claim.supported")
            unsupported = page.locator("#answer .claim.unsupported")
            expect(supported).to_have_count(1)
            expect(unsupported).to_have_count(1)
            expect(page.locator("#claims-summary")).to_contain_text("1 of 2 sentences supported")
            assert "'97 million' is in no cited passage" in (
                unsupported.get_attribute("title") or ""
            )
            page.locator("#question").focus()
            for _ in range(12):  # Tab from the question reaches the flagged sentence
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.classList.contains('unsupported')"):
                    break
            focused = page.evaluate("document.activeElement.textContent")
            assert "Not supported by the passage it cites" in focused and "'97" in focused
            assert not tab.unexpected()
