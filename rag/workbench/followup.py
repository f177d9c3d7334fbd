"""Follow-up questions made standalone before they are searched.

"In which prison is he being held?" means nothing to a search engine; after "Where was Yidiresi
Aishan arrested?" it means "... (Yidiresi Aishan)". With a language model configured it is asked
to rewrite the question (a strict one-line reply, checked; on any failure the rules below are
used). Without one, rules measured on written follow-up chains (`rag eval --followups`): a
question that refers back (a pronoun, "that report", "there") or names nothing of its own gets
the previous turn's names and key words; an elliptical one ("And the second review?", "What
about Nike?") is read as the previous question about the new thing. A question that names its
own subject is searched as it is.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rag.errors import GeneratorError, InvalidQueryError
from rag.generation.answering import Answer
from rag.generation.base import ChatModel
from rag.generation.prompt import fence
from rag.query import clean_question
from rag.retrieval.evidence import RARE_WORD, key_terms
from rag.retrieval.retriever import Passage, Retrieval

MAX_TURNS = 10  # earlier turns a request may carry; only the last ones are read
READ_TURNS = 2
MAX_CONTEXT_TERMS = 6
MAX_REPLY_TOKENS = 80
PREFER_WITHIN = 3
_REFERRING = frozenset(
    "he she it they him her them his hers its their theirs there that this those these "
    "then such".split()
)
_ELLIPSIS = re.compile(
    r"^\W*(?:and\s+)?(?:what|how)\s+about\s+|^\W*what\s+of\s+|^\W*and\s+",
    re.I,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
INSTRUCTIONS = (
    "You rewrite a follow-up question from a conversation about news articles into one "
    "standalone question that can be understood without the conversation: replace pronouns and "
    "references with the names they stand for, and fill in what an elliptical question leaves "
    "out. Do not answer it. Reply on one line: QUESTION: <the standalone question>"
)
_REPLY = re.compile(r"^\s*QUESTION:\s*(.+?)\s*$", re.I | re.S)


@dataclass(frozen=True)
class Turn:
    """An earlier question of the conversation, as asked and as searched, and the documents its
    answer cited."""

    question: str
    doc_ids: tuple[str, ...] = ()
    searched_as: str | None = None

    @property
    def standalone(self) -> str:
        return self.searched_as or self.question


@dataclass(frozen=True)
class Rewrite:
    """What to search for a follow-up, who made it standalone, and the documents to prefer."""

    searched_as: str
    by: str | None  # "rules" | "llm" | None (searched as asked)
    prefer: tuple[str, ...] = ()
    note: str | None = None  # why the language model's rewrite was not used
    judged_as: str | None = None  # what the passages must hold (the rules: the reader's words)


def turn_of(answer: Answer) -> Turn:
    """The turn a conversation keeps of an answer: the question as asked and as searched, and
    the documents it cited (the first passage's when it cited none)."""
    passages = answer.citations.passages
    cited = [passages[n - 1].doc_id for n in answer.cited] or [p.doc_id for p in passages[:1]]
    asked = answer.citations.asked or answer.question
    return Turn(asked, tuple(dict.fromkeys(cited)), answer.question)


def check_turns(turns: Sequence[Turn]) -> Sequence[Turn]:
    if len(turns) > MAX_TURNS:
        raise InvalidQueryError(
            f"conversation has {len(turns)} turns; at most {MAX_TURNS} are taken (send the last ones)"
        )
    return turns


def standalone(
    question: str,
    conversation: Sequence[Turn],
    model: Callable[[], ChatModel | None],
    max_chars: int,
) -> Rewrite:
    """What to search for a question asked after `conversation`: the question itself when it
    needs nothing from it, else the language `model`'s rewrite when there is one, else the
    rules'. Every turn is checked as a question is."""
    if not conversation:
        return Rewrite(question, None)
    question = clean_question(question, max_chars)
    turns = [
        Turn(
            clean_question(t.question, max_chars),
            t.doc_ids,
            t.searched_as and clean_question(t.searched_as, max_chars),
        )
        for t in check_turns(conversation)
    ]
    if not turns:
        return Rewrite(question, None)
    chat = model()
    return by_rules(question, turns) if chat is None else by_model(chat, question, turns, max_chars)


def refers_back(question: str) -> bool:
    """True when the question leans on an earlier turn: a pronoun or a demonstrative, an
    elliptical opening, or no name or number of its own."""
    words = {w.casefold() for w in _WORD.findall(question)}
    if words & _REFERRING or _ELLIPSIS.match(question):
        return True
    return not any(t.kind in ("name", "number") for t in key_terms(question))


def context_terms(previous: str, question: str) -> list[str]:
    """The previous question's names and numbers, then its rarest words, that the follow-up
    does not already say."""
    said = question.casefold()
    terms = [t for t in key_terms(previous) if t.text.casefold() not in said]
    named = [t for t in terms if t.kind in ("name", "number")]
    words = sorted(
        (t for t in terms if t.kind == "word" and t.weight >= RARE_WORD), key=lambda t: -t.weight
    )
    return [t.text for t in (named + words)[:MAX_CONTEXT_TERMS]]


def by_rules(question: str, turns: Sequence[Turn]) -> Rewrite:
    """The follow-up with the context the rules give it (as asked when it needs none)."""
    if not turns or not refers_back(question):
        return Rewrite(question, None)
    previous = turns[-1]
    ellipsis = _ELLIPSIS.match(question)
    if ellipsis:
        rest = question[ellipsis.end() :].strip()
        return Rewrite(f"{previous.standalone} — {rest}", "rules", previous.doc_ids)
    context = context_terms(previous.standalone, question)
    if not context:
        return Rewrite(question, None)
    return Rewrite(f"{question} ({', '.join(context)})", "rules", previous.doc_ids, None, question)


def by_model(model: ChatModel, question: str, turns: Sequence[Turn], max_chars: int) -> Rewrite:
    """Ask the language model; its reply must be one short question, else the rules decide."""
    fallback = by_rules(question, turns)
    if fallback.by is None:  # needs nothing from the conversation: no model call
        return fallback
    history = "\n".join(f"Q: {fence(t.standalone)}" for t in turns[-READ_TURNS:])
    messages = [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": f"{history}\nFollow-up: {fence(question)}"},
    ]
    try:
        reply = model.chat(messages, MAX_REPLY_TOKENS)
    except GeneratorError as exc:
        return _noted(fallback, f"the language model could not rewrite it ({exc})")
    match = _REPLY.match(reply.strip().strip("`"))
    said = match.group(1).strip() if match else ""
    rewritten = " ".join(said.split())
    if not rewritten or "\n" in said or len(rewritten) > max_chars:
        return _noted(fallback, f"the language model's reply was not a question: {reply[:80]!r}")
    if rewritten == question:
        return Rewrite(question, None)
    return Rewrite(rewritten, "llm", turns[-1].doc_ids)


def _noted(rewrite: Rewrite, why: str) -> Rewrite:
    return Rewrite(rewrite.searched_as, rewrite.by, rewrite.prefer, why)


def followed(retrieval: Retrieval, asked: str, rewrite: Rewrite) -> Retrieval:
    """The retrieval of a rewritten follow-up, told the reader's words (and why a language
    model's rewrite was not used)."""
    if rewrite.by is None and rewrite.note is None:
        return retrieval
    notice = retrieval.notice or (
        f"Searched as the rules read the follow-up: {rewrite.note}." if rewrite.note else None
    )
    return replace(
        retrieval,
        asked=asked,
        notice=notice,
        passages=preferring(retrieval.passages, rewrite.prefer),
    )


def preferring(passages: Sequence[Passage], doc_ids: Sequence[str]) -> tuple[Passage, ...]:
    """The earlier turn's sources first among the top PREFER_WITHIN passages (a follow-up about
    them is most likely answered where they were)."""
    if not doc_ids or not passages or passages[0].doc_id in doc_ids:
        return tuple(passages)
    head = passages[:PREFER_WITHIN]
    first = next((i for i, p in enumerate(head) if p.doc_id in doc_ids), None)
    if first is None:
        return tuple(passages)
    order = [passages[first], *passages[:first], *passages[first + 1 :]]
    return tuple(replace(p, rank=rank) for rank, p in enumerate(order, start=1))
