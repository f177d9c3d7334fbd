"""The Judge seam: a retrieval in, a verdict on whether its passages answer the question out.

    judge = registry.resolve("judge", "reader")(settings, service.generator)
    verdict = judge.judge(retrieval)     # answerable, passage order, the reason
    retrieval = apply(retrieval, verdict)

The default (`reader`) reads the top passages' sentence windows with the bundled reader model;
`signals` keeps what retrieval's own evidence decided, at no cost; `llm` asks the configured
language model; `cross-encoder` scores each passage with RAG_RERANKER's model.
A judge that needs something not configured raises UnknownComponentError saying which setting.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from rag.generation.base import Generator
from rag.retrieval.retriever import Retrieval

GeneratorFactory = Callable[[], Generator]


@dataclass(frozen=True)
class Verdict:
    """`order`: passage indices, the one that answers first; `reason`: why, for the reader."""

    judge: str
    answerable: bool
    order: tuple[int, ...] = ()
    reason: str | None = None


class Judge(Protocol):
    name: str

    def judge(self, retrieval: Retrieval) -> Verdict: ...


def apply(retrieval: Retrieval, verdict: Verdict) -> Retrieval:
    """The retrieval as the judge sees it: its passages reordered and renumbered, its decision,
    and its reason when it gave one. A notice (a language the model does not read) still wins."""
    passages = retrieval.passages
    order = [i for i in verdict.order if i < len(passages)]
    if order:
        rest = [i for i in range(len(passages)) if i not in order]
        chosen = [passages[i] for i in (*order, *rest)]
        passages = tuple(replace(p, rank=n) for n, p in enumerate(chosen, start=1))
    answerable = verdict.answerable and retrieval.notice is None and bool(passages)
    support = retrieval.support
    if not answerable:
        support = "not covered"
    elif support == "not covered":
        support = "partly supported"
    return replace(
        retrieval,
        passages=passages,
        answerable=answerable,
        support=support,
        reason=verdict.reason or retrieval.reason,
        judge=verdict.judge,
    )
