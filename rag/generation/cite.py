"""An answer's citations to take away: Markdown with footnotes, CSL-JSON, BibTeX and biblatex.

Each cited document becomes one source (an article cited twice is one bibliography entry) with
its title, outlet, authors, date and URL, and, as a note, each exact quote taken from it with
its character span in the document's text view, so a reader of the draft can find the words
again. CSL-JSON is what citation managers (Zotero, Pandoc's citeproc) read; `bibtex` is classic
BibTeX (`journal`, `year`, `month`), `biblatex` uses biblatex's own fields (`journaltitle`,
`date`): each is read correctly by its own tool and neither leaves the other without a year.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rag.generation.answering import Answer
from rag.retrieval.retriever import Passage

CiteFormat = Literal["md", "csl", "bibtex", "biblatex"]
CITE_FORMATS: tuple[CiteFormat, ...] = ("md", "csl", "bibtex", "biblatex")
_MARKER = re.compile(r"\[(\d+)\]")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}~^\\])")
_NAMES = re.compile(r",|;| and ")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Inside our own “…”, the quote's double marks become single ones (the rule for nested quotes).
_NESTED = str.maketrans({"“": "‘", "”": "’", '"': "'"})


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
    def note(self) -> str:
        return f"{quoted(self.quote)} ({self.passage.doc_id}, characters {self.start}-{self.end})"


def quoted(text: str) -> str:
    """A quote in “…” on one line; its own double quotation marks become single ones."""
    return f"“{' '.join(text.split()).translate(_NESTED)}”"


@dataclass(frozen=True)
class Entry:
    """One cited document: its bibliography entry, and every quote the answer took from it."""

    quotes: tuple[Source, ...]

    @property
    def passage(self) -> Passage:
        return self.quotes[0].passage

    @property
    def n(self) -> int:
        return self.quotes[0].n

    @property
    def key(self) -> str:
        """A stable citation key: outlet or file, year, and the first citation number."""
        p = self.passage
        base = re.sub(r"\W+", "", (p.outlet or p.doc_id).split(".")[0])
        return f"{base.lower()[:24] or 'source'}{(p.published or '')[:4]}-{self.n}"

    @property
    def authors(self) -> list[str]:
        """The author field's names, each once ("A, A" from merged metadata is one author)."""
        names: dict[str, str] = {}
        for name in _NAMES.split(self.passage.author or ""):
            if name := " ".join(name.split()):
                names.setdefault(name.casefold(), name)
        return list(names.values())

    @property
    def date(self) -> tuple[int, ...]:
        m = _DATE.match(self.passage.published or "")
        return tuple(int(x) for x in m.groups() if x) if m else ()

    @property
    def note(self) -> str:
        return "; ".join(q.note for q in self.quotes)


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


def entries(answer: Answer) -> list[Entry]:
    """The cited documents in order of first citation, each with all its quotes."""
    grouped: dict[str, list[Source]] = {}
    for s in sources(answer):
        grouped.setdefault(s.passage.doc_id, []).append(s)
    return [Entry(tuple(quotes)) for quotes in grouped.values()]


def export(answer: Answer, style: CiteFormat) -> str:
    """The answer's citations in one format, as text ready to paste."""
    cited = entries(answer)
    if style == "md":
        return _markdown(answer.answer, cited)
    if style == "csl":
        return json.dumps([_csl(e) for e in cited], ensure_ascii=False, indent=2)
    return "\n\n".join(_bibtex(e, biblatex=style == "biblatex") for e in cited)


def _markdown(text: str, cited: Sequence[Entry]) -> str:
    footnote = {q.n: e.n for e in cited for q in e.quotes}
    body = _MARKER.sub(lambda m: f"[^{footnote.get(int(m.group(1)), m.group(1))}]", text)
    notes = []
    for e in cited:
        p = e.passage
        facts = ", ".join(x for x in (p.outlet, p.published, ", ".join(e.authors)) if x)
        link = f" <{p.url}>" if p.url else ""
        notes.append(
            f"[^{e.n}]: {p.title or p.doc_id}{f', {facts}' if facts else ''}.{link} {e.note}"
        )
    return "\n\n".join([body, "\n".join(notes)]) if notes else body


def _csl(e: Entry) -> dict[str, Any]:
    p = e.passage
    item: dict[str, Any] = {"id": e.key, "type": "article-newspaper", "title": p.title or p.doc_id}
    if p.outlet:
        item["container-title"] = p.outlet
    if e.authors:
        item["author"] = [{"literal": name} for name in e.authors]
    if e.date:
        item["issued"] = {"date-parts": [list(e.date)]}
    if p.url:
        item["URL"] = p.url
    item["note"] = e.note
    return item


def _bibtex(e: Entry, biblatex: bool) -> str:
    p = e.passage
    fields: dict[str, str | None] = {"title": p.title or p.doc_id}
    fields["journaltitle" if biblatex else "journal"] = p.outlet
    fields["author"] = " and ".join(e.authors)
    if biblatex:
        fields["date"] = "-".join(f"{x:02d}" for x in e.date) or None
    elif e.date:
        fields["year"] = str(e.date[0])
    fields["url"] = p.url
    fields["note"] = e.note
    lines = [f"  {k} = {{{v if k == 'url' else _escape(v)}}}," for k, v in fields.items() if v]
    if not biblatex and len(e.date) > 1:
        lines.insert(-1, f"  month = {_MONTHS[e.date[1] - 1]},")  # the standard month macro
    return "\n".join([f"@article{{{e.key},", *lines, "}"])


def _escape(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", " ".join(value.split()))
