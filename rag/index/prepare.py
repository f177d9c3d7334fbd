"""Chunk the new and changed documents of an update, with their records and MinHash signatures."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from rag.config import Settings
from rag.corpus import syndication
from rag.corpus.articles import Layout
from rag.corpus.bounded import TooSlow, too_slow_reason, within
from rag.corpus.chunking import Chunk, chunk_article
from rag.corpus.documents import Document, SkippedFile
from rag.embedding.embedder import Embedder
from rag.index.describe import article_info, article_key, body
from rag.index.records import DocumentInfo, chunk_id

LayoutOf = Callable[[Document], Layout]


@dataclass
class Made:
    info: DocumentInfo
    pairs: list[tuple[Chunk, str]]
    signatures: dict[str, NDArray[np.uint32]]


def chunk_all(
    documents: Sequence[Document],
    settings: Settings,
    embedder: Embedder,
    layout_of: LayoutOf,
    key: str,
    progress: bool,
) -> tuple[dict[str, Made], list[SkippedFile]]:
    """Chunk new and changed documents; one that takes over RAG_MAX_FILE_SECONDS to chunk, or
    gives more than RAG_MAX_FILE_CHUNKS chunks to embed, is skipped."""
    made, slow = {}, []
    bar = tqdm(documents, desc="Chunking", unit="doc", disable=not progress or not documents)
    for doc in bar:
        if len(doc.text) > BIG:
            bar.set_postfix_str(f"{doc.doc_id} ({len(doc.text) / 1e6:.1f} M chars)")
        deadline = time.monotonic() + settings.max_file_seconds  # splitting and chunking
        try:
            layout = within(settings.max_file_seconds, partial(layout_of, doc), "splitting")
            chunks = _chunks(doc, layout, settings, embedder, deadline)
        except TooSlow:
            slow.append(SkippedFile(doc.doc_id, _slow_reason(settings)))
            continue
        if len(chunks) > settings.max_file_chunks:
            slow.append(SkippedFile(doc.doc_id, _big_reason(len(chunks), settings)))
            continue
        articles = tuple(article_info(doc, a) for a in layout.articles)
        info = DocumentInfo(
            doc.doc_id,
            doc.sha256,
            len(doc.text),
            articles,
            tuple((s.start, s.end) for s in layout.boilerplate),
            len(chunks),
            doc.format,
            doc.pages,
            doc.stored_view,
            doc.uploaded,
        )
        sigs = {
            article_key(doc.doc_id, a.start): syndication.signature(body(doc.text, a))
            for a in layout.articles
        }
        pairs = [(c, chunk_id(doc.sha256, c.start, c.end, key)) for c in chunks]
        made[doc.doc_id] = Made(info, pairs, sigs)
    return made, slow


BIG = 1_000_000  # characters: the progress bar names the file being chunked


def _slow_reason(settings: Settings) -> str:
    return too_slow_reason("splitting and chunking", settings.max_file_seconds)


def _big_reason(chunks: int, settings: Settings) -> str:
    return (
        f"it gives {chunks:,} chunks, over the {settings.max_file_chunks:,} a file may cost "
        "(RAG_MAX_FILE_CHUNKS): split the file, or raise the limit"
    )


def _chunks(
    doc: Document, layout: Layout, settings: Settings, embedder: Embedder, deadline: float
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for article in layout.articles:
        prefix = f"{article.title}\n" if settings.embed_titles and article.title else ""

        def fit(pieces: list[str], prefix: str = prefix) -> list[bool]:
            if time.monotonic() > deadline:
                raise TooSlow("chunking")
            counts = embedder.token_counts([prefix + piece for piece in pieces])
            return [n <= embedder.max_tokens for n in counts]

        chunks += chunk_article(
            doc.text, doc.doc_id, article, settings.chunk_tokens, settings.chunk_overlap, fit
        )
    return chunks
