"""What the index records of each article: its layout, its metadata, its copies elsewhere."""

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from rag.corpus import syndication
from rag.corpus.articles import Article, Layout, Span, split_articles
from rag.corpus.documents import Document
from rag.corpus.metadata import cues
from rag.index.records import ArticleInfo, DocumentInfo


def default_layout(doc: Document) -> Layout:
    """Plain text is split into articles by its layout; an extracted text view is one article."""
    if doc.format == "text":
        return split_articles(doc.text)
    title = " ".join((doc.metadata.title or "").split()) or None
    body = len(title) + 2 if title and doc.text.startswith(title + "\n\n") else 0
    if doc.pages:  # chunks never straddle two PDF pages
        content = tuple(Span(s, e) for s, e in doc.pages if doc.text[s:e].strip())
    else:
        content = (Span(body, len(doc.text)),) if doc.text[body:].strip() else ()
    return Layout((Article(title, 0, len(doc.text), content),), ())


def article_key(doc_id: str, start: int) -> str:
    return f"{doc_id}@{start}"


def body(text: str, article: Article) -> str:
    """An article's text without its headline: outlets retitle the same wire story."""
    body = "\n".join(text[r.start : r.end] for r in article.content).lstrip()
    if article.title and body.startswith(article.title):
        body = body[len(article.title) :]
    return body


def article_info(doc: Document, article: Article) -> ArticleInfo:
    """An article's metadata: the format's own (HTML meta, feed fields, ...), else its text cues."""
    meta = doc.metadata
    if doc.format == "text":
        head = doc.text[article.start : min(article.end, article.start + 1000)]
        meta = cues(head)
    return ArticleInfo(
        article.title or meta.title,
        article.start,
        article.end,
        meta.published,
        meta.author,
        meta.outlet,
        meta.url,
        title_raw=meta.title_raw,
        page=meta.page,
    )


def mark_copies(
    infos: list[DocumentInfo], signatures: dict[str, NDArray[np.uint32]], threshold: float
) -> list[DocumentInfo]:
    """Give near-duplicate articles a shared `copies` key; clear it on the rest."""
    keys = [article_key(i.doc_id, a.start) for i in infos for a in i.articles]
    matrix = (
        np.stack([signatures[k] for k in keys])
        if keys
        else np.zeros((0, syndication.NUM_PERM), np.uint32)
    )
    groups = syndication.copies(keys, matrix, threshold)
    return [
        replace(
            info,
            articles=tuple(
                replace(a, copies=groups.get(article_key(info.doc_id, a.start)))
                for a in info.articles
            ),
        )
        for info in infos
    ]
