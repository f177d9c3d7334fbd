"""Chrome learned from repetition across one outlet's saved pages.

A site's own promo lines ("The Gazette is reader-funded ...", a standing correction notice, a
section's sign-up line) survive extraction and the general rules of chrome.py, but they recur
word for word on the outlet's other pages. A short line found in REPEATED_IN or more of one
outlet's articles (a page saved twice counts once) leaves those pages' text views, as a feed's
repeated lines do. The view is rebuilt before it is chunked, so offsets stay exact; the
document's hash takes in the lines it lost, so a page is re-chunked when what its outlet
repeats changes.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from rag.corpus.chrome import SHORT_WORDS, repeated_lines
from rag.corpus.loaders.base import Document

FORMATS = ("html",)


def _outlet(doc: Document) -> str | None:
    """The site a page came from: its URL's host, else the outlet its metadata names."""
    host = urlsplit(doc.metadata.url or "").hostname
    if host:
        return host.removeprefix("www.")
    return doc.metadata.outlet.casefold() if doc.metadata.outlet else None


def _article(doc: Document) -> str:
    """Which article a page is: a page saved twice, or under two names, counts once."""
    return doc.metadata.url or doc.metadata.title or doc.text


def _body(doc: Document) -> str:
    """The view after its title line."""
    return doc.text.partition("\n")[2]


def without_outlet_chrome(documents: Sequence[Document]) -> list[Document]:
    """The documents, each page without the short lines its outlet repeats across pages."""
    groups: dict[str, list[int]] = {}
    for i, doc in enumerate(documents):
        if doc.format in FORMATS and (outlet := _outlet(doc)):
            groups.setdefault(outlet, []).append(i)
    out = list(documents)
    for members in groups.values():
        articles = {_article(documents[i]): _body(documents[i]) for i in members}
        found = repeated_lines(list(articles.values()))
        chrome = {line for line in found if len(line.split()) <= SHORT_WORDS}
        if chrome:
            for i in members:
                out[i] = _dropped(documents[i], chrome)
    return out


def _dropped(doc: Document, chrome: set[str]) -> Document:
    title, *body = doc.text.split("\n")
    normal = [" ".join(line.split()) for line in body]  # as repeated_lines counted them
    kept = [line for line, n in zip(body, normal, strict=True) if n not in chrome]
    if len(kept) == len(body):
        return doc
    while kept and not kept[-1].strip():
        kept.pop()
    gone = sorted(n for n in normal if n in chrome)
    digest = hashlib.sha256("\n".join([doc.sha256, *gone]).encode("utf-8", "surrogatepass"))
    return replace(doc, text="\n".join([title, *kept]), sha256=digest.hexdigest())
