"""Pages printed from a browser: what the browser adds, and what it tells.

Chrome and Firefox print a stamp and the page's title at the top of every sheet ("12/18/16,
10:05 PM  Story | Site") and the page's address and a sheet count at the bottom
("https://site.example/story 1/3"). Those lines are the browser's, not the article's; the
address says which site the article is from, and the title as printed keeps the site's name
after the headline the page itself shows.
"""

import re

_STAMP = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?(?!\S)", re.I)
_ADDRESS = re.compile(r"^\s*(https?://\S+)(?:\s+\d+\s*/\s*\d+)?\s*$")
_COUNT = re.compile(r"^\s*(?:\d+\s*/\s*\d+|page\s+\d+\s+(?:of|/)\s+\d+)\s*$", re.I)
_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ")
EDGE_LINES = 2  # the browser's lines are the first and last of a sheet
MAX_SITE_WORDS = 5


def without_furniture(page: str) -> tuple[str, str | None]:
    """A sheet's text without the browser's header and footer lines, and the address printed
    in its footer (or None)."""
    lines = page.split("\n")
    edges = set(range(min(EDGE_LINES, len(lines)))) | set(
        range(max(0, len(lines) - EDGE_LINES), len(lines))
    )
    address = None
    kept = []
    for i, line in enumerate(lines):
        if i in edges and (m := _ADDRESS.match(line)):
            address = address or m.group(1)
            continue
        if i in edges and (_STAMP.match(line) or _COUNT.match(line)):
            continue
        kept.append(line)
    return "\n".join(kept).strip(), address


def shown_title(title: str, page: str) -> tuple[str, str | None]:
    """(the headline, the site's name) of a printed title whose part before a separator is a
    line of the page itself ("Story | Site" over a page headed "Story"); else (title, None)."""
    lines = {" ".join(line.split()).casefold() for line in page.splitlines()}
    for separator in _SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if (
            found
            and " ".join(head.split()).casefold() in lines
            and 0 < len(tail.split()) <= MAX_SITE_WORDS
        ):
            return head.strip(), tail.strip()
    return title, None
