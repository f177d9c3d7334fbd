"""The reporter's workbench on the newsroom page, in a real Chromium: follow-up questions kept
as a conversation, and watched questions with their changes."""

import re

from playwright.sync_api import Page, expect

from tests.browser import Tab


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
