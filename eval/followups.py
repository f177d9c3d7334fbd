"""Follow-up chains: is a follow-up found better made standalone than searched as asked?

Each chain is a conversation as a reader has it: the earlier questions are asked in turn (each
made standalone from the ones before, and answered, so its cited documents are what a client
would send back), then the follow-up is searched twice, as asked and as rewritten.
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eval.runner import evidence_rank
from rag.errors import RagError
from rag.query import file_of
from rag.retrieval.retriever import Retrieval
from rag.service import RagService
from rag.workbench.followup import Turn, turn_of

FOLLOWUPS = Path(__file__).parent / "datasets" / "seeds_followups.jsonl"


class Chain(BaseModel):
    """Earlier questions, then a follow-up with the source and evidence that answer it (no
    sources: the archive does not answer it, though the earlier questions are answered)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    turns: list[str] = Field(min_length=1)
    question: str = Field(min_length=1)
    sources: list[str]
    evidence: str | None = None
    split: Literal["tune", "holdout"] = "tune"


def load_chains(path: Path = FOLLOWUPS) -> list[Chain]:
    chains = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                chains.append(Chain.model_validate(json.loads(line)))
            except (ValueError, ValidationError) as exc:
                raise RagError(f"{path}:{number}: not a follow-up chain ({exc})") from None
    return chains


def conversation(service: RagService, questions: Sequence[str]) -> list[Turn]:
    """The turns a client would send after asking `questions` in order."""
    turns: list[Turn] = []
    for question in questions:
        turns.append(turn_of(service.answer(question, conversation=turns)))
    return turns


def _scores(chain: Chain, result: Retrieval) -> tuple[bool, bool, bool]:
    top = result.passages[:1]
    hit = bool(top) and file_of(top[0].doc_id) in chain.sources
    return hit, evidence_rank(top, chain.evidence) == 1, not result.answerable


def run_followups(service: RagService, chains: Sequence[Chain]) -> dict[str, Any]:
    """hit@1 and evidence@1 of each follow-up as asked and as rewritten, per split."""
    rows = []
    for chain in chains:
        turns = conversation(service, chain.turns)
        raw = service.query(chain.question)
        rewritten = service.query(chain.question, conversation=turns)
        rows.append(
            {
                "id": chain.id,
                "split": chain.split,
                "question": chain.question,
                "answerable": bool(chain.sources),
                "searched_as": rewritten.question,
                "as_asked": _scores(chain, raw),
                "rewritten": _scores(chain, rewritten),
            }
        )
    return {"rows": rows, "table": _table(rows)}


def _table(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per split: hit@1, evidence@1 and refusals of the answerable follow-ups, and how many of
    the unanswerable ones were declined, as asked and as rewritten."""
    table = []
    for split in ("tune", "holdout", "all"):
        part = [r for r in rows if split in ("all", r["split"])]
        answerable = [r for r in part if r["answerable"]]
        others = [r for r in part if not r["answerable"]]
        if not part:
            continue
        line: dict[str, Any] = {"chains": f"{split} ({len(answerable)}+{len(others)})"}
        for how in ("as_asked", "rewritten"):
            for i, metric in enumerate(("hit@1", "evidence@1", "refused")):
                line[f"{how} {metric}"] = _mean([r[how][i] for r in answerable])
            line[f"{how} declined"] = _mean([r[how][2] for r in others])
        line["made standalone"] = sum(r["searched_as"] != r["question"] for r in part)
        table.append(line)
    return table


def _mean(values: Sequence[bool]) -> float | str:
    return round(sum(values) / len(values), 3) if values else "n/a"
