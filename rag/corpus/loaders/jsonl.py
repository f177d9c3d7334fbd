"""News dumps: one article per JSON record (`.jsonl`, or a `.json` list), each its own document."""

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from rag.corpus.loaders.base import Document, Metadata, SkippedFile, Unreadable, extracted
from rag.corpus.metadata import parse_date

# Field names of common exports: newspaper3k/4k (publish_date, meta_site_name, canonical_link,
# meta_lang), news-please (maintext, date_publish, source_domain, language), schema.org
# NewsArticle (articleBody, datePublished, author.name, publisher.name), NewsAPI and GDELT-style
# dumps (publishedAt, source.name).
TEXT = (
    "text",
    "content",
    "body",
    "article",
    "articleBody",
    "maintext",
    "full_text",
    "fulltext",
    "description",
    "summary",
)
TITLE = ("title", "headline", "name")
DATE = (
    "published",
    "date",
    "pubDate",
    "published_at",
    "publishedAt",
    "datePublished",
    "publish_date",
    "date_publish",
    "published_date",
    "date_published",
    "publication_date",
    "pub_date",
    "created_at",
    "timestamp",
)
AUTHOR = ("author", "authors", "byline", "creator")
OUTLET = (
    "outlet",
    "source",
    "publisher",
    "site_name",
    "sitename",
    "meta_site_name",
    "siteName",
    "source_domain",
    "site",
    "media",
)
URL = ("url", "link", "canonical_url", "canonical_link", "canonical", "href")
LANGUAGE = ("language", "lang", "meta_lang", "inLanguage")
ID = ("id", "_id", "guid", "uuid", "doc_id", "article_id")
LISTS = ("articles", "items", "data", "records", "results", "documents")  # {"articles": [...]}


def first(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The first non-empty value under any of `names` (case-insensitive)."""
    lowered = {k.lower(): v for k, v in record.items() if isinstance(k, str)}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, "", [], {}):
            return value
    return None


def as_text(value: Any) -> str | None:
    """A field as plain text: lists of names joined, {"name": ...} objects unwrapped."""
    if isinstance(value, list):
        parts = [as_text(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        return as_text(first(value, ("name", "title", "value")))
    if value is None:
        return None
    return str(value).strip() or None


class JsonLinesLoader:
    """`.jsonl` and `.json`: a document per record, `FILE#ID` (the record's id, else its line)."""

    format = "jsonl"

    def load(self, doc_id: str, path: Path, data: bytes) -> list[Document | SkippedFile]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Unreadable(f"not valid UTF-8 (bad byte at offset {exc.start})") from exc
        out: list[Document | SkippedFile] = []
        seen: set[str] = set()
        for number, record in self._records(text, path.suffix.lower() == ".json"):
            found = self._document(doc_id, path, number, record)
            if found.doc_id in seen:  # two records with one id: the line number tells them apart
                found = replace(found, doc_id=f"{doc_id}#{number}")
            seen.add(found.doc_id)
            out.append(found)
        if not out:
            raise Unreadable("no records in the file")
        return out

    def _records(self, text: str, whole: bool) -> Iterator[tuple[int, Any]]:
        if whole:
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise Unreadable(f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
            if isinstance(parsed, dict):
                parsed = next(
                    (parsed[k] for k in LISTS if isinstance(parsed.get(k), list)), [parsed]
                )
            yield from enumerate(parsed if isinstance(parsed, list) else [parsed], start=1)
            return
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, exc
                except RecursionError:
                    yield number, json.JSONDecodeError("nested too deeply", line[:80], 0)

    def _document(
        self, file_id: str, path: Path, number: int, record: Any
    ) -> Document | SkippedFile:
        if isinstance(record, json.JSONDecodeError):
            return SkippedFile(
                f"{file_id}#{number}", f"line {number} is not valid JSON ({record.msg})"
            )
        if not isinstance(record, dict):
            return SkippedFile(f"{file_id}#{number}", "record is not a JSON object")
        key = as_text(first(record, ID)) or str(number)
        doc_id = f"{file_id}#{key}"
        body = as_text(first(record, TEXT))
        if not body:
            return SkippedFile(
                doc_id, f"record has no text (looked for {', '.join(TEXT[:4])}, ...)"
            )
        meta = Metadata(
            title=as_text(first(record, TITLE)),
            published=parse_date(as_text(first(record, DATE)), as_text(first(record, LANGUAGE))),
            author=as_text(first(record, AUTHOR)),
            outlet=as_text(first(record, OUTLET)),
            url=as_text(first(record, URL)),
        )
        return extracted(doc_id, path, self.format, body, meta)
