"""PDF reports and printed pages: text page by page (pypdf), so every passage knows its pages.

The byline and date come from the first page's text ("By Eric Bradner, CNN", "Updated 10:02 PM
ET, Sun December 18, 2016"), never from the file's creation date, which is when it was printed.
"""

import io
from pathlib import Path

from rag.corpus.loaders.base import Document, Metadata, SkippedFile, Unreadable, extracted
from rag.corpus.metadata import cues

PAGE_BREAK = "\n\n"
CUE_LINES = 80  # a page printed from the web opens with its menus before the byline


class PdfLoader:
    """`.pdf`: one document; its text view joins the pages with a blank line."""

    format = "pdf"

    def load(self, doc_id: str, path: Path, data: bytes) -> list[Document | SkippedFile]:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise Unreadable("encrypted PDF (it needs a password); save an unlocked copy")
            pages = [(page.extract_text() or "").strip() for page in reader.pages]
            info = reader.metadata
        except (PdfReadError, ValueError, KeyError, TypeError) as exc:
            raise Unreadable(f"not a readable PDF ({exc})") from exc
        if not any(pages):
            raise Unreadable("PDF has no text layer (a scan?); run OCR on it first")
        body, spans = "", []
        for text in pages:
            start = len(body)
            body += text
            spans.append((start, len(body)))
            body += PAGE_BREAK
        own_title = (info.title or "").strip() if info else ""
        title = own_title or next(p for p in pages if p).splitlines()[0].strip()
        found = cues(next(p for p in pages if p), CUE_LINES)
        meta = Metadata(
            title=title[:300] or None,
            author=found.author or (info.author if info else None) or None,
            outlet=found.outlet,
            published=found.published,  # never the file's creation date: that is when it was printed
        )
        view = extracted(
            doc_id, path, self.format, body.rstrip(), meta, tuple(spans), bool(own_title)
        )
        return [view]
