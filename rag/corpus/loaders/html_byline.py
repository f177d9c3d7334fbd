"""The byline under a page's headline: the day it shows and the people it names.

Read from the elements after the headline until the story starts: a short text that is a date
is the day the reader is shown (in the page's own order for "3/09/15"), which beats a machine
stamp, and an update's stamp is no publication day; a "By …" line names the authors, read name by
name where each sits in its own element marked as an author's.
"""

import re
from collections.abc import Iterator
from datetime import date

from lxml.html import HtmlElement

from rag.corpus.metadata import parse_date
from rag.corpus.tidy import BY

BYLINE_ELEMENTS = 60  # elements after a headline that may still be its byline
BYLINE_WORDS = 8  # a byline's date is a short text ("March 11, 2015 3:46 PM")
STORY_WORDS = 30  # a paragraph this long is the story: the byline is past
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")
_AUTHOR_PAGE = re.compile(r"/(?:people|authors?|by|staff|profiles?|reporters?|journalists?)/", re.I)
_UPDATE = re.compile(r"updat|modifi|mis à jour|aktualisiert|actualiz|atualiz", re.I)


def under(headline: HtmlElement) -> Iterator[HtmlElement]:
    """The elements after a headline, until its story starts (a long paragraph)."""
    for el in headline.xpath(f"following::*[position() <= {BYLINE_ELEMENTS}]"):
        if el.tag == "p" and len(el.text_content().split()) > STORY_WORDS:
            return
        yield el


def byline_date(headline: HtmlElement, month_first: bool | None = None) -> str | None:
    """The first date under a headline: a short text that is a date (the day the reader is
    shown; "3/09/15" read in the page's language's order), else a `datetime` attribute or a
    schema.org datePublished; no update's stamp."""
    for el in under(headline):
        text = " ".join((el.text or "").split())
        label = " ".join(el.text_content().split()[:3])  # "<div datetime><em>Last Updated:"
        if (update := _UPDATE.search(text)) and (
            first := _stated_day(text[: update.start()].rstrip(" -–—|·,;:("))
        ):
            return first  # "November 18, 2019 at 2:26 PM HST - Updated November 18"
        machine = el.get("datetime") or (
            el.get("content") if el.get("itemprop") == "datePublished" else None
        )
        if _UPDATE.search(f"{_text_before(el)} {text} {label}"):
            continue
        short = 0 < len(text.split()) <= BYLINE_WORDS
        shown = _stated_day(text) or (short and _numeric_day(text, month_first))
        # the day the reader is shown beats the machine's: that may be UTC or the update's
        if day := shown or (machine and parse_date(machine)):
            return day
    return None


def _stated_day(text: str) -> str | None:
    """The day a short text with a year states ("March 11, 2015 3:46 PM")."""
    return (
        parse_date(text) if 0 < len(text.split()) <= BYLINE_WORDS and _YEAR.search(text) else None
    )


def in_site_header(headline: HtmlElement) -> bool:
    """Whether a headline sits outside any <article> or <main>: a sticky site header repeating
    it above today's date, read after the story's own."""
    return not any(a.tag in ("article", "main") for a in headline.iterancestors())


def month_first(lang: str | None) -> bool | None:
    """Whether "3/09/15" is March 9: in American English; day first in other languages and
    Englishes; unknown without a declared language."""
    return None if not lang else lang.lower().replace("_", "-") == "en-us"


def _numeric_day(text: str, month_first: bool | None) -> str | None:
    """A day written in figures ("3/09/15 8:00am"), where its order is known or plain."""
    found = _NUMERIC.search(text)
    if not found:
        return None
    a, b, year = (int(g) for g in found.groups())
    year += 0 if year >= 100 else 2000 if year <= date.today().year % 100 + 1 else 1900
    if month_first is None and (a > 12) == (b > 12):  # "3/09/15" in no known language
        return None
    month, day = (a, b) if (month_first if month_first is not None else b > 12) else (b, a)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def by_line(headline: HtmlElement) -> str | None:
    """ "By DANICA KIRKA and JILL LAWLESS" under a headline."""
    return next((line for el in under(headline) if (line := read_by(el))), None)


def read_by(el: HtmlElement) -> str | None:
    """An element's "By …" line: its own text, or "By <a>A</a>, <a>B</a>" read name by name."""
    text = " ".join((el.text or "").split())  # its own text: not "LAWLESSAssociated Press"
    if BY.fullmatch(text + " "):
        names = [n for child in el if _names_author(child) and (n := _own_words(child))]
        text = f"{text} {', '.join(names)}"
    return text if BY.match(text) and 1 < len(text.split()) <= 2 * BYLINE_WORDS else None


def _names_author(el: HtmlElement) -> bool:
    """Whether a byline's part is an author's name (marked so), not a section or a job."""
    marks = f"{el.get('rel', '')} {el.get('class', '')} {el.get('itemprop', '')}".casefold()
    links = [el, *el.iter("a")]
    return (
        "author" in marks
        or bool(el.xpath('.//*[@rel="author" or @itemprop="author"]'))
        or any(_AUTHOR_PAGE.search(a.get("href") or "") for a in links if a.tag == "a")
    )


def _own_words(el: HtmlElement) -> str:
    """An element's text, its children's joined by spaces, without a trailing comma."""
    return " ".join(" ".join(el.itertext()).split()).strip(" ,")


def _text_before(el: HtmlElement) -> str:
    return str(el.xpath("string(preceding::text()[normalize-space()][1])"))
