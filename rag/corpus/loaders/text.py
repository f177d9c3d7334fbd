"""Plain text and Markdown: the text view is the file exactly as on disk."""

import hashlib
from pathlib import Path

from rag.corpus.loaders.base import Document, SkippedFile, Unreadable


def unusable(data: bytes) -> str | None:
    """Why these bytes cannot be indexed as text, or None when they can."""
    if b"\x00" in data:
        return "binary file (contains NUL bytes)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (bad byte at offset {exc.start}); re-save it as UTF-8"
    if not text.replace("\ufeff", "").strip():
        return "empty file"
    return None


class TextLoader:
    """`.txt` and `.md`: one document; the article splitter finds the articles in it."""

    format = "text"

    def load(self, doc_id: str, path: Path, data: bytes) -> list[Document | SkippedFile]:
        problem = unusable(data)
        if problem:
            raise Unreadable(problem)
        return [Document(doc_id, path, data.decode("utf-8"), hashlib.sha256(data).hexdigest())]
