"""A real Chromium (Debian's, driven by Playwright) for the page tests, and what it logged."""

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.conftest import READ

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
# An answer streams in seconds, but the first one on a fresh server loads the claim checker's
# tagger, and two test workers share two cores: 5 s (Playwright's default) is too tight.
expect.set_options(timeout=30_000)


def chromium_path() -> str:
    """The installed Chromium; `make install` installs Debian's package when it is missing."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no Chromium found: install it with `apt-get install chromium` (make install does)")


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """A page plus every console error and uncaught exception it produced."""

    page: Page
    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]


def open_tab(browser: Browser, base: str, key: str | None, **context: object) -> Tab:
    ctx = browser.new_context(base_url=base, **context)  # type: ignore[arg-type]
    if key:
        ctx.add_init_script(f"localStorage.setItem('rag-key', {key!r})")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    tab = Tab(page)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: tab.errors.append(f"uncaught: {exc}"))
    return tab


def screenshot(tab: Tab, folder: Path | None, name: str) -> None:
    """Saved only under `pytest --screenshots` (into eval/results/screenshots)."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        tab.page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


AUTH = {"authorization": f"Bearer {READ}"}


FITS = """(width) => window.innerWidth === width && document.documentElement.scrollWidth <= width
  && [...document.querySelectorAll('body *')].every((el) => {
    const box = el.getBoundingClientRect();
    return box.width === 0 || box.right <= width + 0.5;
  })"""


def fits(page: Page, width: int) -> bool:
    """The page is `width` wide and nothing sticks out of it (so it never scrolls sideways)."""
    return bool(page.evaluate(FITS, width))


def ask(page: Page, question: str, **filters: Any) -> dict[str, Any]:
    """Submit the form and wait for the answer; return what the API answers to the same request."""
    page.fill("#question", question)
    page.click("#ask-button")
    expect(page.locator("#answer")).to_have_attribute("data-state", re.compile("answered|declined"))
    body = {"question": question, "filters": filters or None}
    reply = httpx.post(f"{page.url.split('/?')[0]}/answer", json=body, headers=AUTH, timeout=60)
    reply.raise_for_status()
    return reply.json()  # type: ignore[no-any-return]
