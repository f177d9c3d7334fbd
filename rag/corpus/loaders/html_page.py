"""What a web page says about itself beyond its text: its links, its site's name, and whether it
is an article or a listing (a homepage, section front or search page).

A listing is recognised by what it declares and by its shape, never by its site: it does not
call itself an article (og:type), and it is a homepage or search address, or it is mostly
headline links with little text of its own. Measured on the 208 article pages of the two
benchmark corpora (eval/datasets/extraction, eval/datasets/news): none is taken for a listing;
article pages go down to 0.14 words of text per headline-link word, but all of those say
og:type "article", and the others keep at least 0.84.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from lxml.html import HtmlElement

from rag.corpus.metadata import PageKind, parse_date

HEADLINE_WORDS = 4  # a link of four words or more reads like a headline
MIN_HEADLINES = 20
TEXT_PER_HEADLINE_WORD = 0.5
_SEARCH_KEYS = {"q", "s", "query", "search", "keyword", "keywords"}
BYLINE_ELEMENTS = 60  # elements after a headline that may still be its byline
BYLINE_WORDS = 8  # a byline's date is a short text ("March 11, 2015 3:46 PM")
STORY_WORDS = 30  # a paragraph this long is the story: the byline is past
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# an update's stamp is not the day a story came out
_UPDATE = re.compile(r"updat|modifi|mis à jour|aktualisiert|actualiz|atualiz", re.I)


@dataclass(frozen=True)
class PageFacts:
    link_texts: tuple[str, ...]
    site_name: str | None
    declares_article: bool
    url: str | None
    header_dates: tuple[tuple[str, str], ...] = ()  # (a headline, the date its byline gives)
    head_titles: tuple[str, ...] = ()  # og:title, twitter:title, <title>

    def title_for(self, found: str | None) -> str | None:
        """The extracted title, unless no title the page gives itself contains it: then it is
        some other heading ("Information and Resources" on a WebMD story), and the page's own
        title (og:title first) is the article's."""
        if not found or not self.head_titles:
            return found
        words = _tokens(found)
        if any(words in _tokens(title) for title in self.head_titles):
            return found
        return self.head_titles[0]

    def date_under(self, title: str | None) -> str | None:
        """The date the byline under the article's headline gives (the headline that reads as
        the title, else the first), which beats the page's meta dates: a page that embeds
        videos or other stories carries their dates too, and the byline is what a reader sees."""
        wanted = _tokens(title or "")
        return next(
            (day for headline, day in self.header_dates if wanted and _tokens(headline) == wanted),
            self.header_dates[0][1] if self.header_dates else None,
        )

    def kind(self, text_words: int) -> PageKind:
        """ "listing" for a homepage, section front or search page; else "article"."""
        if self.declares_article:
            return "article"
        parts = urlsplit(self.url or "")
        if parts.netloc and (parts.path in ("", "/") or _is_search(parts.path, parts.query)):
            return "listing"
        headline_words = [
            len(t.split()) for t in self.link_texts if len(t.split()) >= HEADLINE_WORDS
        ]
        if len(headline_words) >= MIN_HEADLINES:
            return (
                "listing"
                if text_words < TEXT_PER_HEADLINE_WORD * sum(headline_words)
                else "article"
            )
        return "article"


def _is_search(path: str, query: str) -> bool:
    return "/search" in path.lower() or bool(_SEARCH_KEYS & set(parse_qs(query)))


def page_facts(tree: HtmlElement | None, url: str | None) -> PageFacts:
    """Read the facts before extraction: trafilatura cleans the tree it is given."""
    if tree is None:
        return PageFacts((), None, False, url)
    meta = {
        (m.get("property") or m.get("name") or "").lower(): (m.get("content") or "").strip()
        for m in tree.iter("meta")
    }
    links = tuple(" ".join(a.text_content().split()) for a in tree.iter("a"))
    page_type = meta.get("og:type", "").lower()
    declares = page_type.startswith("article") or "article:published_time" in meta
    canonical = next(
        (link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical"), None
    )
    return PageFacts(
        links,
        meta.get("og:site_name") or meta.get("application-name") or None,
        declares,
        url or meta.get("og:url") or canonical,
        tuple((h1.text_content(), day) for h1 in tree.iter("h1") if (day := _byline_date(h1))),
        tuple(
            title
            for title in (
                meta.get("og:title"),
                meta.get("twitter:title"),
                *(t.text_content() for t in tree.iter("title")),
            )
            if title and title.strip()
        ),
    )


def _byline_date(headline: HtmlElement) -> str | None:
    """The first date among the elements after a headline and before its story starts: a
    `datetime` attribute, a schema.org datePublished, or a short text that is a date."""
    for el in headline.xpath(f"following::*[position() <= {BYLINE_ELEMENTS}]"):
        if el.tag == "p" and len(el.text_content().split()) > STORY_WORDS:
            return None
        text = " ".join((el.text or "").split())
        shown = text if 0 < len(text.split()) <= BYLINE_WORDS and _YEAR.search(text) else None
        machine = el.get("datetime") or (
            el.get("content") if el.get("itemprop") == "datePublished" else None
        )
        if _UPDATE.search(f"{_text_before(el)} {text}"):
            continue
        # the day the reader is shown beats the machine's: that may be UTC or the update's
        if day := (shown and parse_date(shown)) or (machine and parse_date(machine)):
            return day
    return None


def _text_before(el: HtmlElement) -> str:
    return str(el.xpath("string(preceding::text()[normalize-space()][1])"))


def _tokens(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))
