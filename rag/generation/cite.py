"""An answer's citations to take away: Markdown with footnotes, CSL-JSON, BibTeX.

Each cited passage becomes one source with its title, outlet (CSL `container-title`), author,
date and URL, and, as a note, the exact quote and its character span in the document's text
view, so a reader of the draft can find the words again. CSL-JSON is what citation managers
(Zotero, Pandoc's citeproc) read; BibTeX is for LaTeX drafts.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rag.generation.answering import Answer
from rag.retrieval.retriever import Passage

CiteFormat = Literal["md", "csl", "bibtex"]
CITE_FORMATS: tuple[CiteFormat, ...] = ("md", "csl", "bibtex")
_MARKER = re.compile(r"\[(\d+)\]")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}~^\\])")


@dataclass(frozen=True)
class Source:
    """One cited passage and the words the answer took from it: `quote` is exactly the text
    view's characters `start` to `end`."""

    n: int
    passage: Passage
    quote: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """A stable citation key: outlet or file, year, and the citation number."""
        base = re.sub(r"\W+", "", (self.passage.outlet or self.passage.doc_id).split(".")[0])
        year = (self.passage.published or "")[:4]
        return f"{base.lower()[:24] or 'source'}{year}-{self.n}"

    @property
    def note(self) -> str:
        quote = " ".join(self.quote.split())
        return f"“{quote}” ({self.passage.doc_id}, characters {self.start}-{self.end})"


def sources(answer: Answer) -> list[Source]:
    """The passages the answer cites, each with its quote: the answer's own quotes when the
    generator gives them (extractive), else the passage's best-matching sentence."""
    out = []
    for n in answer.cited:
        passage = answer.citations.passages[n - 1]
        quotes = [q for q in answer.quotes if q.citation == n]
        if quotes:
            start, end = quotes[0].start, quotes[-1].end
        elif passage.highlights:
            start, end = passage.highlights[0]
        else:
            start, end = passage.start, passage.end
        quote = passage.text[start - passage.start : end - passage.start]
        out.append(Source(n, passage, quote, start, end))
    return out


def export(answer: Answer, style: CiteFormat) -> str:
    """The answer's citations in one format, as text ready to paste."""
    cited = sources(answer)
    if style == "md":
        return _markdown(answer.answer, cited)
    if style == "csl":
        return json.dumps([_csl(s) for s in cited], ensure_ascii=False, indent=2)
    return "\n\n".join(_bibtex(s) for s in cited)


def _markdown(text: str, cited: Sequence[Source]) -> str:
    body = _MARKER.sub(lambda m: f"[^{m.group(1)}]", text)
    notes = []
    for s in cited:
        p = s.passage
        facts = ", ".join(x for x in (p.outlet, p.published, p.author) if x)
        link = f" <{p.url}>" if p.url else ""
        notes.append(
            f"[^{s.n}]: {p.title or p.doc_id}{f', {facts}' if facts else ''}.{link} {s.note}"
        )
    return "\n\n".join([body, "\n".join(notes)]) if notes else body


def _csl(s: Source) -> dict[str, Any]:
    p = s.passage
    item: dict[str, Any] = {"id": s.key, "type": "article-newspaper", "title": p.title or p.doc_id}
    if p.outlet:
        item["container-title"] = p.outlet
    if p.author:
        item["author"] = [
            {"literal": name.strip()} for name in re.split(r",| and ", p.author) if name.strip()
        ]
    if p.published and (m := _DATE.match(p.published)):
        item["issued"] = {"date-parts": [[int(x) for x in m.groups() if x]]}
    if p.url:
        item["URL"] = p.url
    item["note"] = s.note
    return item


def _bibtex(s: Source) -> str:
    p = s.passage
    fields = {
        "title": p.title or p.doc_id,
        "journal": p.outlet,
        "author": " and ".join(
            a.strip() for a in re.split(r",| and ", p.author or "") if a.strip()
        ),
        "date": (p.published or "")[:10],
        "url": p.url,
        "note": s.note,
    }
    lines = [
        f"  {k} = {{{v if k == 'url' else _bibtex_escape(v)}}}," for k, v in fields.items() if v
    ]
    return "\n".join([f"@article{{{s.key},", *lines, "}"])


def _bibtex_escape(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", " ".join(value.split()))
