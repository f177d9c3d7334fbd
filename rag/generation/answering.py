"""Passages -> answer: abstain when retrieval is not relevant enough, check every [n] marker."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from rag.generation.base import Generator, Quote
from rag.generation.citations import check_citations, cited_markers
from rag.generation.claims import Claim, ClaimChecker, summarise, without_unsupported
from rag.generation.disagreements import Disagreement
from rag.generation.recency import as_of
from rag.retrieval.retriever import Retrieval

NOT_COVERED = (
    "The indexed articles do not appear to cover this question, so no answer is written. "
    "The closest passages are listed with it, for you to judge; rephrasing with names, "
    "places or dates from the articles may help."
)


@dataclass(frozen=True)
class Answer:
    """A written answer; marker [n] refers to citations[n-1]."""

    question: str
    answer: str
    citations: Retrieval
    answerable: bool
    generator: str
    dropped_citations: tuple[int, ...] = ()
    quotes: tuple[Quote, ...] = ()
    claims: tuple[Claim, ...] = ()
    dropped_claims: int = 0
    disagreements: tuple[Disagreement, ...] = ()

    @property
    def cited(self) -> list[int]:
        """The [n] markers the answer uses; the other passages were retrieved but not cited."""
        return cited_markers(self.answer) if self.answerable else []

    def as_dict(self, exports: dict[str, str] | None = None) -> dict[str, Any]:
        """The JSON body shared by `POST /answer` and `rag answer --json`; `exports`: the cited
        sources in the formats asked for (rag.generation.cite)."""
        return {
            "question": self.citations.asked or self.question,
            "searched_as": self.question,
            "answer": self.answer,
            "citations": [p.as_dict() for p in self.citations.passages],
            "cited": self.cited,
            "answerable": self.answerable,
            "notice": self.citations.notice,
            "generator": self.generator,
            "dropped_citations": list(self.dropped_citations),
            "quotes": [vars(q) for q in self.quotes],
            "relevance": self.citations.relevance,
            "support": self.citations.support,
            "reason": self.citations.reason,
            "coverage": [c.as_dict() for c in self.citations.coverage],
            "judge": self.citations.judge,
            "exports": exports or {},
            "claims": [c.as_dict() for c in self.claims],
            "claims_summary": summarise(self.claims, self.dropped_claims),
            "disagreements": [d.as_dict() for d in self.disagreements],
        }


@dataclass(frozen=True)
class Checking:
    """How answers are checked: the checker, whether unsupported sentences are removed, and
    what finds the answering passages that disagree (rag.generation.disagreements)."""

    checker: ClaimChecker
    drop_unsupported: bool = False
    disagreements: Callable[[Retrieval], list[Disagreement]] | None = None


def answer(retrieval: Retrieval, generator: Generator, checker: Checking | None = None) -> Answer:
    """Ask the generator only when retrieval found something relevant enough; check each
    sentence against the passages it cites when a `checker` is given."""
    if not retrieval.answerable:
        return Answer(retrieval.question, _declined(retrieval), retrieval, False, generator.name)
    draft = generator.generate(retrieval.reading, retrieval.passages)
    text, dropped = check_citations(draft.text, len(retrieval.passages))
    done = Answer(
        retrieval.question, text, retrieval, True, generator.name, tuple(dropped), draft.quotes
    )
    return checked(done, checker)


def checked(done: Answer, checking: Checking | None) -> Answer:
    """The answer with its claims checked (and, when asked, its unsupported sentences removed)."""
    if checking is None or not done.answerable:
        return done
    done = _with_disagreements(done, checking)
    if not done.cited:  # a model that wrote no [n]: each supported sentence gets its source's
        attributed = checking.checker.attribute(done.answer, done.citations.passages)
        done = replace(done, answer=attributed)
    claims = checking.checker.check(done.answer, done.citations.passages)
    text, kept = done.answer, claims
    if checking.drop_unsupported:
        text, kept = without_unsupported(done.answer, claims)
    if "sources disagree" not in text.lower():
        text = " ".join([text, *(d.sentence() for d in done.disagreements)])
    when = as_of(done.citations.reading, done.citations.passages, cited_markers(text))
    if when and "as of" not in text.lower():
        text = f"{text} {when}"
    return replace(done, answer=text, claims=kept, dropped_claims=len(claims) - len(kept))


def _with_disagreements(done: Answer, checking: Checking) -> Answer:
    """The answering passages' disagreements: checked() states them after the answer (from the
    sources' own words and dates, so not a claim to check) unless the model already did."""
    if checking.disagreements is None:
        return done
    return replace(done, disagreements=tuple(checking.disagreements(done.citations)))


def stream_answer(
    retrieval: Retrieval, generator: Generator, checker: Checking | None = None
) -> Iterator[str | Answer]:
    """Yield answer pieces as they come, then the checked Answer (its claims too) last."""
    if not retrieval.answerable:
        yield _declined(retrieval)
        yield Answer(retrieval.question, _declined(retrieval), retrieval, False, generator.name)
        return
    pieces: list[str] = []
    quotes: list[Quote] = []
    for piece in generator.stream(retrieval.reading, retrieval.passages):
        if isinstance(piece, Quote):
            quotes.append(piece)
            continue
        pieces.append(piece)
        yield piece
    text, dropped = check_citations("".join(pieces), len(retrieval.passages))
    done = Answer(
        retrieval.question, text, retrieval, True, generator.name, tuple(dropped), tuple(quotes)
    )
    final = checked(done, checker)
    if final.answer.startswith(text) and len(final.answer) > len(text):
        yield final.answer[len(text) :]  # what checked() added: disagreements, "as of"
    yield final


def _declined(retrieval: Retrieval) -> str:
    if retrieval.notice:
        return retrieval.notice
    return f"{NOT_COVERED} Why: {retrieval.reason}" if retrieval.reason else NOT_COVERED
