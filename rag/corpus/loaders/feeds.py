"""RSS and Atom feeds (feedparser): one document per entry, `FILE#ENTRY-ID`.

Lines repeated across a feed's entries ("Continue reading...", "Sign up to ...") are the feed's
own boilerplate and are left out; an entry with only a headline is indexed as its headline;
dates feedparser cannot read are read in the feed's declared language ("Seg, 24 Set 2018").
"""

from email.utils import parseaddr
from pathlib import Path
from typing import Any

from rag.corpus.chrome import repeated_lines, without_chrome
from rag.corpus.loaders.base import Document, Metadata, SkippedFile, Unreadable, extracted
from rag.corpus.loaders.html import extract_html
from rag.corpus.metadata import parse_date


class FeedLoader:
    """`.xml`, `.rss`, `.atom`: entries with their title, date, author and link."""

    format = "feed"

    def load(self, doc_id: str, path: Path, data: bytes) -> list[Document | SkippedFile]:
        import feedparser

        parsed = feedparser.parse(data)  # bytes in: feedparser reads nothing over the network
        if not parsed.entries:
            reason = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
            raise Unreadable(f"not an RSS or Atom feed with entries{reason}")
        outlet = parsed.feed.get("title") or None
        language = parsed.feed.get("language") or None
        bodies = [_body(entry) for entry in parsed.entries]
        boilerplate = repeated_lines(bodies)
        return [
            self._entry(
                doc_id, path, i, entry, without_chrome(body, also=boilerplate), outlet, language
            )
            for i, (entry, body) in enumerate(zip(parsed.entries, bodies, strict=True), 1)
        ]

    def _entry(
        self,
        file_id: str,
        path: Path,
        number: int,
        entry: Any,
        body: str,
        outlet: str | None,
        language: str | None,
    ) -> Document | SkippedFile:
        key = entry.get("id") or entry.get("link") or str(number)
        doc_id = f"{file_id}#{key}"
        title = " ".join((entry.get("title") or "").split()) or None
        if not body.strip() and not title:
            return SkippedFile(doc_id, "feed entry has neither a headline nor text")
        meta = Metadata(
            title=title,
            published=_published(entry, language),
            author=_author(entry),
            outlet=outlet,
            url=entry.get("link") or None,
        )
        return extracted(doc_id, path, self.format, body, meta)


def _body(entry: Any) -> str:
    html = entry.content[0].value if entry.get("content") else entry.get("summary", "")
    return extract_html(f"<html><body><article>{html}</article></body></html>", True)[0]


def _published(entry: Any, language: str | None) -> str | None:
    """feedparser's date, else the raw date read in the feed's language."""
    found = entry.get("published_parsed") or entry.get("updated_parsed")
    if found:
        return parse_date(f"{found.tm_year}-{found.tm_mon:02d}-{found.tm_mday:02d}")
    return parse_date(entry.get("published") or entry.get("updated"), language)


def _author(entry: Any) -> str | None:
    """RSS writes "desk@site.example (Sam Reid)", Atom a name: either way, the people's names
    (split and cleaned by the metadata tidying)."""
    raw = entry.get("author") or ""
    if "@" not in raw:
        return raw.strip() or None
    return parseaddr(raw)[0] or None
