"""The page shows sources that disagree side by side, each opening its article at the quote."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from api.app import create_app
from rag.service import RagService
from tests.browser import open_tab
from tests.generation.test_disagreements import ASKED, write_reports
from tests.server import serve


@pytest.fixture(scope="module")
def reports(seed_service: RagService, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root: Path = tmp_path_factory.mktemp("reports")
    service = write_reports(seed_service, root)
    with serve(create_app(service.settings, service)) as url:
        yield url


def test_the_sides_stand_next_to_each_other_with_outlet_and_date(
    browser: Browser, reports: str
) -> None:
    tab = open_tab(browser, reports, None)
    page = tab.page
    page.goto("/")
    page.fill("#question", ASKED)
    page.click("#ask-button")
    sides = page.locator("#disagreements .side")
    expect(sides).to_have_count(2)
    expect(page.locator("#disagreements h3")).to_have_text("Sources disagree on people")
    expect(sides.nth(0)).to_contain_text("Reuters")
    expect(sides.nth(0)).to_contain_text("41 people")
    expect(sides.nth(1)).to_contain_text("AP")
    expect(sides.nth(1)).to_contain_text("45 people")
    first, second = (sides.nth(i).bounding_box() for i in (0, 1))
    assert first and second and abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]
    expect(page.locator("#answer")).to_contain_text("Sources disagree:")
    sides.nth(1).get_by_role("button").click()
    expect(page.locator("#reader-text .quote")).to_contain_text("45 people were killed")
    assert tab.unexpected() == []
    tab.page.context.close()


def test_the_timeline_says_where_the_figure_changed(browser: Browser, reports: str) -> None:
    tab = open_tab(browser, reports, None)
    page = tab.page
    page.goto("/#timeline")
    page.fill("#timeline-question", ASKED)
    page.get_by_role("button", name="Show the timeline").click()
    changed = page.locator("#timeline-days .changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Changed: 45 people, where earlier reports said 41 people.")
    assert tab.unexpected() == []
    tab.page.context.close()
