"""Web pages: the article's main text and metadata, without menus, banners, comments or footers.

trafilatura does the extraction (the reference tool for this); it is given bytes already read,
so nothing is ever fetched.
"""

from dataclasses import replace
from pathlib import Path
from typing import Any

from rag.corpus.chrome import without_chrome
from rag.corpus.loaders.base import Document, Metadata, SkippedFile, Unreadable, extracted
from rag.corpus.loaders.html_fuller import fuller
from rag.corpus.loaders.html_page import page_facts
from rag.corpus.metadata import parse_date


def extract_html(html: str | bytes, fragment: bool = False) -> tuple[str, Metadata]:
    """Main text and metadata of a page; `fragment` for feed or email HTML (keep all text)."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)
    facts = page_facts(tree, None)
    found = trafilatura.bare_extraction(
        tree if tree is not None else html,
        with_metadata=not fragment,
        include_comments=False,
        include_tables=True,
        favor_recall=fragment,
        favor_precision=not fragment,
        deduplicate=False,
    )

    def field(name: str) -> Any:
        return getattr(found, name, None) or None

    text = field("text") or ""
    if not text and fragment:
        text = trafilatura.html2txt(html) or ""
    text = without_chrome(text, facts.link_texts)
    if not fragment:
        text = fuller(html, text, facts.link_texts, facts.paragraph_words)
    title = field("title") if fragment else facts.title_for(field("title"))
    facts = replace(facts, url=field("url") or facts.url)
    meta = Metadata(
        title=title,
        published=(None if fragment else facts.date_under(title)) or parse_date(field("date")),
        author=facts.authors(field("author")),
        outlet=facts.outlet(field("sitename"), field("url")),
        url=field("url"),
        page="article" if fragment else facts.kind(len(text.split()), title),
    )
    return _without_title(text, meta.title), meta


def _without_title(text: str, title: str | None) -> str:
    """The page's own <h1> repeats the title the text view already starts with."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()) == " ".join(title.split()):
        return rest
    return text


class HtmlLoader:
    """`.html` / `.htm`: one article per page."""

    format = "html"

    def load(self, doc_id: str, path: Path, data: bytes) -> list[Document | SkippedFile]:
        body, meta = extract_html(data)
        if not body.strip():
            raise Unreadable("no article text found in the page")
        return [extracted(doc_id, path, self.format, body, meta)]
