"""RSS and Atom feeds (feedparser): one document per entry, `FILE#ENTRY-ID`."""

from email.utils import parseaddr
from pathlib import Path
from typing import Any

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
        return [self._entry(doc_id, path, i, e, outlet) for i, e in enumerate(parsed.entries, 1)]

    def _entry(
        self, file_id: str, path: Path, number: int, entry: Any, outlet: str | None
    ) -> Document | SkippedFile:
        key = entry.get("id") or entry.get("link") or str(number)
        doc_id = f"{file_id}#{key}"
        html = entry.content[0].value if entry.get("content") else entry.get("summary", "")
        body = extract_html(f"<html><body><article>{html}</article></body></html>", True)[0]
        if not body.strip():
            return SkippedFile(doc_id, "feed entry has no text")
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        meta = Metadata(
            title=entry.get("title") or None,
            published=parse_date(
                f"{published.tm_year}-{published.tm_mon:02d}-{published.tm_mday:02d}"
            )
            if published
            else None,
            author=_author(entry),
            outlet=outlet,
            url=entry.get("link") or None,
        )
        return extracted(doc_id, path, self.format, body, meta)


def _author(entry: Any) -> str | None:
    """RSS writes "desk@site.example (Sam Reid)", Atom a name: either way, the person's name."""
    raw = entry.get("author") or ""
    name, address = parseaddr(raw)
    return name or (None if "@" in raw else raw.strip() or None)
