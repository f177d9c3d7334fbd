"""Article metadata from an article's own cues: bylines, datelines and date lines in plain text.

General rules, not known strings: "By <names>[, <outlet>][, <date>]", a wire dateline
"GENEVA, July 20, 2022 (Reuters) -", and "Published: <date>". Dates go through
python-dateutil, so "2022-07-20", "20 July 2022" and "Jul. 20, 2022" all become 2022-07-20.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from dateutil import parser as dateparser


@dataclass(frozen=True)
class Metadata:
    """Where and when an article was published; None where unknown."""

    title: str | None = None
    published: str | None = None  # ISO 8601 date, YYYY-MM-DD
    author: str | None = None
    outlet: str | None = None
    url: str | None = None


_BYLINE = re.compile(r"^\s*(?:by|By|BY)\s+(?P<rest>[A-Z].{1,150}?)\s*$", re.M)
_NAME_WORDS = frozenset(
    {"and", "de", "del", "da", "van", "von", "der", "al", "bin", "la", "le", "&"}
)
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Za-z .'’-]{1,40},\s*(?P<date>[A-Z][a-z]{2,9}\.? \d{1,2},? \d{4})\s*"
    r"\((?P<outlet>[A-Z][\w .&'’-]{1,40})\)\s*[-–—]",
    re.M,
)
_DATE_LINE = re.compile(
    r"^\s*(?:published|posted|date|updated)\s*(?:on)?\s*[:\-]?\s*(?P<date>.{6,40}?)\s*$",
    re.I | re.M,
)
CUE_LINES = 6


def parse_date(value: object) -> str | None:
    """An ISO 8601 date (YYYY-MM-DD) from a string or datetime, or None when it is not one."""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if not isinstance(value, str) or not value.strip() or not re.search(r"\d{4}", value):
        return None
    try:
        parsed = dateparser.parse(value.strip(), fuzzy=False, default=datetime(1, 1, 1))
        again = dateparser.parse(value.strip(), fuzzy=False, default=datetime(1, 2, 2))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed != again or parsed.year < 1800:  # a bare year or month is no publication date
        return None
    return parsed.strftime("%Y-%m-%d")


def cues(head: str) -> Metadata:
    """Author, outlet and date from the first lines of an article's text."""
    lines = "\n".join(head.splitlines()[:CUE_LINES])
    author = outlet = published = None
    if m := _BYLINE.search(lines):
        author, outlet, published = _byline(m.group("rest"))
    if m := _DATELINE.search(lines):
        outlet = outlet or m.group("outlet").strip()
        published = published or parse_date(m.group("date"))
    if published is None and (m := _DATE_LINE.search(lines)):
        published = parse_date(m.group("date"))
    return Metadata(author=author, outlet=outlet, published=published)


def _byline(rest: str) -> tuple[str | None, str | None, str | None]:
    """ "Emma Farge, Reuters, 2022-07-20" -> (author, outlet, date); a lone name is the author."""
    parts = [p.strip() for p in re.split(r",|\s[|·•]\s", rest) if p.strip()]
    published = None
    named = []
    for part in parts:
        found = parse_date(part)
        if found and published is None:
            published = found
        else:
            named.append(part)
    if not named:
        return None, None, published
    if not _looks_like_names(named[0]):  # prose that happens to start with "By"
        return None, None, None
    outlet = named[1] if len(named) > 1 and _looks_like_names(named[1]) else None
    return named[0], outlet, published


def _looks_like_names(part: str) -> bool:
    """ "Emma Farge", "Albert Zhang and Tilla Hoja", "ASPI": capitalised words, a few joiners."""
    words = part.split()
    return 0 < len(words) <= 8 and all(w[0].isupper() or w in _NAME_WORDS for w in words)
