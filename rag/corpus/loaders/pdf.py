"""PDF reports and printed pages: text page by page (pypdf), so every passage knows its pages.

The byline and date come from the first page's text ("By Eric Bradner, CNN", "Updated 10:02 PM
ET, Sun December 18, 2016"), never from the file's creation date, which is when it was printed.
A page printed from a browser loses the browser's header and footer lines and the site's
chrome, as a saved web page does (rag.corpus.chrome); the address it printed names the site.
"""

import io
from pathlib import Path

from rag.corpus.chrome import without_chrome
from rag.corpus.loaders.base import Document, Metadata, SkippedFile, Unreadable, extracted
from rag.corpus.loaders.pdf_print import shown_title, without_furniture
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
            raw = [(page.extract_text() or "").strip() for page in reader.pages]
            info = reader.metadata
        except (PdfReadError, ValueError, KeyError, TypeError) as exc:
            raise Unreadable(f"not a readable PDF ({exc})") from exc
        if not any(raw):
            raise Unreadable("PDF has no text layer (a scan?); run OCR on it first")
        sheets = [without_furniture(text) for text in raw]
        pages = [without_chrome(text).strip() for text, _ in sheets]
        address = next((a for _, a in sheets if a), None)
        if not any(pages):
            pages = raw
        body, spans = "", []
        for text in pages:
            start = len(body)
            body += text
            spans.append((start, len(body)))
            body += PAGE_BREAK
        first = next(p for p in pages if p)
        header = next(text for text, _ in sheets if text)  # the date line is chrome, not a cue
        own_title, site = shown_title((info.title or "").strip() if info else "", header)
        title = own_title or first.splitlines()[0].strip()
        found = cues(header, CUE_LINES)
        meta = Metadata(
            title=title[:300] or None,
            author=found.author or (info.author if info else None) or None,
            outlet=found.outlet or site,
            published=found.published,  # never the file's creation date: that is when it was printed
            url=address,
        )
        view = extracted(
            doc_id, path, self.format, body.rstrip(), meta, tuple(spans), bool(own_title)
        )
        return [view]
