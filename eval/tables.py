"""The two tables `rag eval` adds to its summary: fusion against each ranker, and abstention
measured on held-out folds."""

from collections.abc import Mapping, Sequence
from typing import Any

from eval.abstention import cross_validate, examples, report
from eval.dataset import EvalQuestion
from eval.runner import run_eval
from rag.query import MODES as ALL_MODES
from rag.query import SearchMode
from rag.service import RagService

# hybrid last: the table asks whether fusion beats each ranker it fuses
MODES: tuple[SearchMode, ...] = tuple(sorted(ALL_MODES, key=lambda m: m == "hybrid"))


DEFAULT = "hybrid + evidence order"


def fusion_rows(
    service: RagService, sets: Mapping[str, Sequence[EvalQuestion]], k: int = 10
) -> list[dict[str, Any]]:
    """hit@1, evidence@1 and hit@5 per ranker alone (no evidence reordering) and per question
    set, then the configured pipeline (with it, when RAG_EVIDENCE_ORDER is on)."""
    rows = []
    plain = service.derive(evidence_order=False)
    setups = [(mode, plain, mode) for mode in MODES]
    if service.settings.evidence_order:
        setups.append((DEFAULT, service, "hybrid"))
    for label, used, mode in setups:
        row: dict[str, Any] = {"ranker": label}
        for name, questions in sets.items():
            summary = run_eval(used, questions, k, mode, judge=False)["summary"]
            row[f"{name} hit@1"] = summary["hit@1"]
            row[f"{name} evidence@1"] = summary.get("evidence@1", "n/a")
            row[f"{name} hit@5"] = summary["hit@5"]
        rows.append(row)
    return rows


def fusion_holds(rows: list[dict[str, Any]]) -> list[str]:
    """Where hybrid (alone, and as configured) is worse than the better of its two rankers
    (empty when it never is)."""
    by = {r["ranker"]: r for r in rows}
    return [
        f"{key}: {fused} {by[fused][key]:.3f} < {max(by['dense'][key], by['lexical'][key]):.3f}"
        for fused in ("hybrid", DEFAULT)
        if fused in by
        for key in by[fused]
        if key != "ranker"
        and isinstance(by[fused][key], float)
        and by[fused][key] < max(by["dense"][key], by["lexical"][key])
    ]


FOLDS = 5


def too_few_to_fit(questions: Sequence[EvalQuestion]) -> str | None:
    """Why cross-validated abstention cannot be measured on these questions (None: it can)."""
    answerable = sum(q.answerable for q in questions)
    unanswerable = len(questions) - answerable
    if min(answerable, unanswerable) >= 2 * FOLDS:
        return None
    return (
        f"it needs at least {2 * FOLDS} answerable and {2 * FOLDS} unanswerable questions "
        f"(an empty 'sources' list); these sets have {answerable} and {unanswerable}"
    )


def abstention_rows(service: RagService, questions: Sequence[EvalQuestion]) -> list[dict[str, Any]]:
    """Answerable refused; on-topic, off-topic and fact-absent declined; from 5-fold
    cross-validation, each fold's cut-off chosen by the same cost as the shipped one's."""
    items = examples(service, "", questions)
    return report(items, cross_validate(items, FOLDS))
