"""A real Chromium (Debian's, driven by Playwright) for the page tests, and what it logged."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


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
