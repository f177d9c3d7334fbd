"""What a web page says about itself beyond its text: its links, its site's name, the byline
under its headline (the day shown, every author), and whether it is an article or a listing (a
homepage, section front or search page).

A listing is recognised by what it declares and by its shape, never by its site: no dated
byline sits under its own headline, and it is a homepage (a site's or a language's root) or
search address, or it does not call itself an article (og:type) and is mostly headline links
with little text of its own. Measured on the 208 article pages of the two
benchmark corpora (eval/datasets/extraction, eval/datasets/news): none is taken for a listing;
article pages go down to 0.14 words of text per headline-link word, but all of those say
og:type "article", and the others keep at least 0.84.
"""

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml.html import HtmlElement
from wordfreq import zipf_frequency

from rag.corpus.loaders.html_byline import (
    BYLINE_WORDS,
    by_line,
    byline_date,
    in_site_header,
    month_first,
    read_by,
)
from rag.corpus.metadata import PageKind
from rag.corpus.tidy import BY, host_label, is_site, site_suffix, split_authors

HEADLINE_WORDS = 4  # a link of four words or more reads like a headline
MIN_HEADLINES = 20
TEXT_PER_HEADLINE_WORD = 0.5
_SEARCH_KEYS = {"q", "s", "query", "search", "keyword", "keywords"}
_ROOT = re.compile(r"/?|/[a-z]{2}(?:-[a-z]{2})?/", re.I)  # "", "/", a language's: "/es/"
_DOTTED = re.compile(r"(.+?)\.[a-z]{2,6}", re.I)  # "Le Monde.fr"
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")
CALLED = 3  # how often a page must call itself by its bare name ("Le Monde" for "Le Monde.fr")
COMMON = 3.5  # wordfreq's zipf of an English word too common to be a site's bare name ("Space")
_NOT_A_NAME = re.compile(r"copyright|©|_", re.I)  # a footer line or a code name, not a site
_PLACEHOLDERS = frozenset({"username", "user", "guest", "admin", "administrator", "anonymous"})


@dataclass(frozen=True)
class PageFacts:
    link_texts: tuple[str, ...]
    site_name: str | None
    declares_article: bool
    url: str | None
    header_dates: tuple[tuple[str, str], ...] = ()  # (a headline, the date its byline gives)
    head_titles: tuple[str, ...] = ()  # og:title, twitter:title, <title>
    bylines: tuple[str, ...] = ()  # schema.org's authors ("A, B"), itemprop text, "By" lines
    persons: tuple[str, ...] = ()  # the schema.org authors that are people
    title_site: str | None = None  # the site's name in <title> ("Story - Dropbox")
    called: str | None = None  # "Le Monde" where the page says so more than "Le Monde.fr"
    headline: str | None = None  # the story's one <h1>
    paragraph_words: int = 0  # words in the page's <p> elements

    def title_for(self, found: str | None) -> str | None:
        """The extracted title, unless no title the page gives itself contains it: then it is
        some other heading ("Information and Resources" on a WebMD story), and the page's own
        title (og:title first) is the article's."""
        site = _tokens(self.site_name or "")
        own = [t for t in self.head_titles if _tokens(t) != site]  # not "Yahoo News - Latest …"
        if not found or not own:
            return found
        words = _tokens(found)
        title = found if words != site and any(words in _tokens(t) for t in own) else own[0]
        return self.headline if _retitles(self.headline, title) else title

    def outlet(self, found: str | None, url: str | None) -> str | None:
        """The site's own name: trafilatura's, unless it only made one from the address
        ("Nytimes", "dropbox.tech"): then og:site_name where that names this host (not
        Reuters' "U.S."), else the site <title> names; "Le Monde" for "Le Monde.fr" where the
        page calls itself so."""
        host = (urlsplit(url or self.url or "").hostname or "").removeprefix("www.")
        site = _a_name((self.site_name or "").lstrip("@"))
        name = _a_name(found)
        if name and self._names_better(name):
            name = self.title_site
        if found and found.casefold() in (host, host_label(host)):
            if site and site.casefold() != found.casefold():
                name = site if is_site(site, None, host) or not self.title_site else self.title_site
            elif not site:
                name = self.title_site or found
        name = name or site or self.title_site
        if name and site and name.startswith(f"{site} "):  # "Healthline Media": the company
            name = site
        return self.called if name and self.called and name.startswith(self.called) else name

    def _names_better(self, found: str) -> bool:
        """Whether the site <title> names beats trafilatura's name run together with more
        ("BarronsOnline" for "Barron's")."""
        named, own = _tokens(self.title_site or ""), _tokens(found)
        squeezed = named.replace(" ", "")
        return bool(squeezed) and " " not in own and own.startswith(squeezed) and own != squeezed

    def authors(self, found: str | None) -> str | None:
        """Every author the page names where trafilatura kept only the first ("A, B" in its
        schema.org data, "A (avec B et C)" in the byline)."""
        if found and _tokens(found) in _PLACEHOLDERS:  # a sign-in widget's "Username"
            shown = (b for b in self.bylines if BY.match(b))
            found = next((b for b in shown if _tokens(BY.sub("", b)) not in _PLACEHOLDERS), None)
        if not found:  # trafilatura read schema.org too, and found no person there
            return None
        best, most = found, _people(found)
        bylines = self.bylines
        if self.persons:  # the people schema.org names: not "Condé Nast, Louise Matsakis"
            persons = _people(", ".join(self.persons))
            if most < persons or persons < most:
                best, most = ", ".join(self.persons), persons
            bylines = tuple(b for b in bylines if BY.match(b))  # then only the shown "By" line
        for byline in bylines:
            if most and most < (people := _people(byline)):
                best, most = byline, people
        return best

    def date_under(self, title: str | None) -> str | None:
        """The date the byline under the article's headline gives (the headline that reads as
        the title, else the first), which beats the page's meta dates: a page that embeds
        videos or other stories carries their dates too, and the byline is what a reader sees."""
        wanted = _tokens(title or "")
        return next(
            (day for headline, day in self.header_dates if wanted and _tokens(headline) == wanted),
            self.header_dates[0][1] if self.header_dates else None,
        )

    def kind(self, text_words: int, title: str | None = None) -> PageKind:
        """ "listing" for a homepage, section front or search page; else "article". A dated
        byline under the page's own headline makes an article, whatever else the page says;
        a site's root (or a language's: "/es/") is a homepage even where it claims to be an
        article."""
        wanted = _tokens(title or "")
        if wanted and any(_tokens(headline) == wanted for headline, _ in self.header_dates):
            return "article"
        parts = urlsplit(self.url or "")
        if parts.netloc and (_ROOT.fullmatch(parts.path) or _is_search(parts.path, parts.query)):
            return "listing"
        if self.declares_article:
            return "article"
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
    site = meta.get("og:site_name") or meta.get("application-name") or None
    url = url or meta.get("og:url") or canonical
    title_tag = next((t.text_content() for t in tree.iter("title")), "")
    order = month_first(tree.get("lang"))
    schema = _schema(tree)  # parsed once: every author, and the people among them
    return PageFacts(
        links,
        site,
        declares,
        url,
        tuple(
            (h1.text_content(), day)
            for h1 in sorted(tree.iter("h1"), key=in_site_header)
            if (day := byline_date(h1, order))
        ),
        tuple(
            title
            for title in (
                meta.get("og:title"),
                meta.get("twitter:title"),
                *(t.text_content() for t in tree.iter("title")),
            )
            if title and title.strip()
        ),
        _bylines(tree, schema),
        tuple(next((names for data in schema if (names := _authors(data, people_only=True))), [])),
        site_suffix(" ".join(title_tag.split()), None, url)[1],
        _called(tree, site),
        _headline(tree),
        sum(len(p.text_content().split()) for p in tree.iter("p")),
    )


def _bylines(tree: HtmlElement, schema: list[Any]) -> tuple[str, ...]:
    """The authors schema.org data lists (all of them), the text of itemprop="author", and a
    "By ..." line under a headline."""
    found = [", ".join(names) for data in schema if (names := _authors(data))]
    texts = (" ".join(el.text_content().split()) for el in tree.xpath('//*[@itemprop="author"]'))
    found += [text for text in texts if 0 < len(text.split()) <= 2 * BYLINE_WORDS]
    found += [line for h1 in tree.iter("h1") if (line := by_line(h1))]
    if not found:  # a byline far below its headline (the Washington Post's)
        marked = tree.xpath('//*[contains(@class, "byline")]')
        found += [line for line in map(read_by, marked) if line][:1]
    return tuple(found)


def _schema(tree: HtmlElement) -> list[Any]:
    """The page's schema.org blocks that parse as JSON (a CDATA wrapper read through)."""
    found = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            found.append(json.loads(_CDATA.sub("", script.text_content())))
        except ValueError:
            continue
    return found


def _authors(data: Any, people_only: bool = False) -> list[str]:
    """A schema.org block's author names, once each (`people_only`: those typed as a Person)."""
    return list(dict.fromkeys(_schema_authors(data, people_only)))


def _schema_authors(data: Any, people_only: bool) -> list[str]:
    if isinstance(data, list):
        return next((n for item in data if (n := _schema_authors(item, people_only))), [])
    if not isinstance(data, dict):
        return []
    if "@graph" in data:
        return _schema_authors(data["@graph"], people_only)
    authors = data.get("author")
    authors = authors if isinstance(authors, list) else [authors]
    return [
        name.strip()
        for a in authors
        if (not people_only or (isinstance(a, dict) and str(a.get("@type")).lower() == "person"))
        and isinstance(name := a.get("name") if isinstance(a, dict) else a, str)
        and name.strip()
    ]


def _people(byline: str) -> set[str]:
    return set((split_authors(byline)[0] or "").split(", ")) - {""}


def _called(tree: HtmlElement, site: str | None) -> str | None:
    """ "Le Monde" for a site named "Le Monde.fr" that calls itself "Le Monde" in its text at
    least CALLED times and more often than with its domain ending ("Aktuálně.cz" stays)."""
    dotted = _DOTTED.fullmatch(site or "")
    if not dotted:
        return None
    bare = dotted.group(1)
    if zipf_frequency(bare, "en") >= COMMON:  # "Space.com" is not "Space"
        return None
    text = " ".join(tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]"))
    plain = len(re.findall(rf"{re.escape(bare)}(?!\.\w)", text))
    return bare if plain >= CALLED and plain > text.count(f"{bare}.") else None


def _headline(tree: HtmlElement) -> str | None:
    """The story's <h1>: the one inside <article> or <main>, else the page's only one."""
    texts = [(" ".join(h.text_content().split()), in_site_header(h)) for h in tree.iter("h1")]
    story = [t for t, outside in texts if t and not outside]
    every = [t for t, _ in texts if t]
    return story[0] if len(story) == 1 else every[0] if len(every) == 1 else None


def _retitles(headline: str | None, title: str | None) -> bool:
    """Whether the story's headline is the article's title where the page's title says it
    otherwise: it begins with the same two words ("Диета Аткинса (14 дней)" for "Диета Аткинса -
    потеря веса до 10 килограмм за 14 дней")."""
    head, own = _tokens(headline or "").split(), _tokens(title or "").split()
    return len(head) >= 3 and head != own and head[:2] == own[:2]


def _a_name(text: str | None) -> str | None:
    """A site's name, or None for a footer line or a code name ("Copyright 2014", "Wday_")."""
    return text if text and not _NOT_A_NAME.search(text) else None


def _tokens(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))
