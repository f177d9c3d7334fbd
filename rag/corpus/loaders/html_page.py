"""What a web page says about itself beyond its text: its links, its site's name, and whether it
is an article or a listing (a homepage, section front or search page).

A listing is recognised by what it declares and by its shape, never by its site: it does not
call itself an article (og:type), and it is a homepage or search address, or it is mostly
headline links with little text of its own. Measured on the 208 article pages of the two
benchmark corpora (eval/datasets/extraction, eval/datasets/news): none is taken for a listing;
article pages go down to 0.14 words of text per headline-link word, but all of those say
og:type "article", and the others keep at least 0.84.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from lxml.html import HtmlElement

from rag.corpus.metadata import PageKind

HEADLINE_WORDS = 4  # a link of four words or more reads like a headline
MIN_HEADLINES = 20
TEXT_PER_HEADLINE_WORD = 0.5
_SEARCH_KEYS = {"q", "s", "query", "search", "keyword", "keywords"}


@dataclass(frozen=True)
class PageFacts:
    link_texts: tuple[str, ...]
    site_name: str | None
    declares_article: bool
    url: str | None

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
    )
