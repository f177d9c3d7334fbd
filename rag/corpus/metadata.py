"""Article metadata from an article's own cues: bylines, datelines and date lines in plain text.

General rules, not known strings: "By <names>[, <outlet>][, <date>]", a wire dateline
"GENEVA, July 20, 2022 (Reuters) -", and "Published: <date>". Dates go through
python-dateutil, so "2022-07-20", "20 July 2022" and "Jul. 20, 2022" all become 2022-07-20.
"""

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from dateutil import parser as dateparser

PageKind = Literal["article", "listing"]  # a listing: a homepage, section front or search page


@dataclass(frozen=True)
class Metadata:
    """Where and when an article was published; None where unknown."""

    title: str | None = None
    published: str | None = None  # ISO 8601 date, YYYY-MM-DD
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    title_raw: str | None = None  # the title as found, when a site's name was cut from it
    page: PageKind = "article"


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
    r"^\s*(?:published|posted|date|updated)\s*(?:on)?\s*[:\-]?\s*(?P<date>.{6,60}?)\s*$",
    re.I | re.M,
)
CUE_LINES = 6
HEADER_WORDS = 16
MONTHS = (  # whole month names or their abbreviations: "Marathe" and "Novak" are names
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH = f"(?:{MONTHS})"
_NAMED_DATE = re.compile(  # "3 Nov 2017", "3rd November, 2017", "Nov. 3, 2017", "November 03 2017"
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+(\d{{4}})"
    rf"|({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}))\b",
    re.I,
)


def parse_date(value: object, language: str | None = None) -> str | None:
    """An ISO 8601 date (YYYY-MM-DD) from a string or datetime, or None when it is not one.

    `language` (an ISO 639-1 code, a feed's or page's declared language) reads month and day
    names in it ("Seg, 24 Set 2018" in Portuguese) when the English reading fails.
    """
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if not isinstance(value, str) or not value.strip() or not re.search(r"\d{4}", value):
        return None
    try:
        with warnings.catch_warnings():  # "ET", "HKT": zones are not needed for a day
            warnings.simplefilter("ignore")
            parsed = dateparser.parse(value.strip(), fuzzy=False, default=datetime(1, 1, 1))
            again = dateparser.parse(value.strip(), fuzzy=False, default=datetime(1, 2, 2))
    except (ValueError, OverflowError, TypeError):
        return _in_language(value, language) if language else None
    if parsed != again or parsed.year < 1800:  # a bare year or month is no publication date
        return None
    return parsed.strftime("%Y-%m-%d")


def _in_language(value: str, language: str) -> str | None:
    import dateparser as multilingual

    try:
        found = multilingual.parse(
            value,
            languages=[re.split(r"[-_]", language)[0].lower()],
            settings={"REQUIRE_PARTS": ["day", "month", "year"]},
        )
    except (ValueError, KeyError):  # an unknown language code
        return None
    return found.strftime("%Y-%m-%d") if found and found.year >= 1800 else None


def cues(head: str, lines: int = CUE_LINES) -> Metadata:
    """Author, outlet and date from the first `lines` lines of an article's text."""
    text = "\n".join(head.splitlines()[:lines])
    author = outlet = published = None
    if m := _BYLINE.search(text):
        author, outlet, published = _byline(m.group("rest"))
    if m := _DATELINE.search(text):
        outlet = outlet or m.group("outlet").strip()
        published = published or parse_date(m.group("date"))
    if published is None and (m := _DATE_LINE.search(text)):
        published = _date_at_end(m.group("date"))
    if published is None:
        published = next(filter(None, map(_date_only, text.splitlines())), None)
    if published is None:
        published = next(filter(None, map(_date_in_header, text.splitlines())), None)
    return Metadata(author=author, outlet=outlet, published=published)


def _date_at_end(value: str) -> str | None:
    """ "10:02 PM ET, Sun December 18, 2016" -> 2016-12-18: the longest readable comma tail."""
    parts = value.split(",")
    return next(filter(None, (parse_date(",".join(parts[i:])) for i in range(len(parts)))), None)


def _date_only(line: str) -> str | None:
    """A line that is nothing but a date ("Sun December 18, 2016") is the article's date."""
    return parse_date(line) if 2 <= len(line.split()) <= 6 else None


def _date_in_header(line: str) -> str | None:
    """The first date written out with its month's name in a short header line, between
    separators or after a label: "Devindra Hardawar | November 3, 2017", "Fri 3 Nov 2017 09.00
    GMT", "Posted: Nov 03, 2017 9:00 AM ET | Last Updated: Nov 04, 2017". Not a sentence, and
    never a numeric date ("12/18/16", a browser's print stamp, may be day or month first)."""
    if len(line.split()) > HEADER_WORDS or line.rstrip().endswith("."):
        return None
    m = _NAMED_DATE.search(line)
    return parse_date(" ".join(g for g in m.groups() if g)) if m else None


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
