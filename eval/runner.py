"""Run an eval set through the service and score sources, evidence, offsets and abstention."""

from collections.abc import Sequence
from typing import Any

from eval import metrics
from eval.dataset import EvalQuestion
from rag.errors import RagError
from rag.query import SearchMode, file_of
from rag.retrieval.retriever import Passage, Retrieval
from rag.service import RagService

HIT_KS = (1, 3, 5, 10)


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def evidence_rank(passages: Sequence[Passage], evidence: str | None) -> int | None:
    """Rank of the first passage whose text holds the evidence (whitespace/case-insensitive)."""
    if not evidence:
        return None
    needle = normalise(evidence)
    return next((p.rank for p in passages if needle in normalise(p.text)), None)


class _Views:
    """Each document's text view (the file itself for .txt/.md), read once, for the invariant
    `text_view[start:end] == text` that holds for every format."""

    def __init__(self, service: RagService) -> None:
        self.service = service
        self._texts: dict[str, str | None] = {}

    def exact(self, passage: Passage) -> bool:
        if passage.doc_id not in self._texts:
            try:
                self._texts[passage.doc_id] = self.service.document(passage.doc_id)[1]
            except RagError:  # changed on disk since it was indexed: its offsets are stale
                self._texts[passage.doc_id] = None
        view = self._texts[passage.doc_id]
        return view is not None and view[passage.start : passage.end] == passage.text


def run_eval(
    service: RagService,
    questions: Sequence[EvalQuestion],
    k: int = 10,
    mode: SearchMode | None = None,
    judge: bool = True,
) -> dict[str, Any]:
    """Per-question rows plus their means, Haystack-style (`summary` and `rows`). Rankings are
    retrieval's; answered or declined is what the configured judge (RAG_JUDGE) decides, as for
    /answer (retrieval's own verdict without `judge`, for runs that compare rankings only)."""
    results = service.query_many([q.question for q in questions], top_k=k, mode=mode)
    views = _Views(service)
    rows = [
        _row(q, r, service.judged(r).answerable if judge else r.answerable, k, views)
        for q, r in zip(questions, results, strict=True)
    ]
    return {
        "summary": _summary(rows, k),
        "rows": rows,
        "k": k,
        "mode": mode or service.settings.mode,
        "judge": service.settings.judge if judge else "signals",
    }


def _credited(passage: Passage, relevant: dict[str, float]) -> str:
    """The source a passage counts for: itself, the file a record of it comes from (`FILE#ID`
    for FILE), or a syndicated copy it stands in for (and that copy's file)."""
    copies = [passage.doc_id, *(c["doc_id"] for c in passage.also_in)]
    names = [name for d in copies for name in (d, file_of(d))]
    return next((d for d in names if d in relevant), passage.doc_id)


def _row(q: EvalQuestion, r: Retrieval, answered: bool, k: int, files: _Views) -> dict[str, Any]:
    relevant = dict.fromkeys(q.sources, 1.0)
    ranking = [_credited(p, relevant) for p in r.passages]
    row: dict[str, Any] = {
        "id": q.id,
        "question": q.question,
        "expected": q.sources,
        "answerable": q.answerable,
        "predicted_answerable": answered,
        "relevance": r.relevance,
        "offsets_exact": all(files.exact(p) for p in r.passages),
        "latency_ms": r.timings_ms.get("total", 0.0),
        "returned": [
            {"doc_id": p.doc_id, "title": p.title, "start": p.start, "text": p.text[:160]}
            for p in r.passages[:3]
        ],
    }
    if q.answerable:
        row.update({f"hit@{n}": metrics.hit_at(ranking, relevant, n) for n in HIT_KS if n <= k})
        row["recall@k"] = metrics.recall_at(ranking, relevant, k)
        row["mrr"] = metrics.mrr_at(ranking, relevant, k)
        row["ndcg@10"] = metrics.ndcg_at(ranking, relevant, 10)
        if q.evidence:
            row["evidence_rank"] = evidence_rank(r.passages, q.evidence)
    return row


def _summary(rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    with_evidence = [r for r in answerable if "evidence_rank" in r]
    summary: dict[str, Any] = {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    }
    for key in [f"hit@{n}" for n in HIT_KS if n <= k] + ["recall@k", "mrr", "ndcg@10"]:
        summary[key] = metrics.mean([r[key] for r in answerable])
    for n in sorted({1, 5, k}) if with_evidence else ():  # a set without evidence strings
        summary[f"evidence@{n}"] = metrics.mean(
            [1.0 if r["evidence_rank"] and r["evidence_rank"] <= n else 0.0 for r in with_evidence]
        )
    summary["offsets_exact"] = metrics.mean([1.0 if r["offsets_exact"] else 0.0 for r in rows])
    summary["abstain_rate"] = metrics.mean(
        [0.0 if r["predicted_answerable"] else 1.0 for r in unanswerable]
    )
    summary["false_refusal_rate"] = metrics.mean(
        [0.0 if r["predicted_answerable"] else 1.0 for r in answerable]
    )
    summary["suggested_threshold"] = metrics.calibrate_threshold(
        [r["relevance"] for r in answerable], [r["relevance"] for r in unanswerable]
    )
    return summary


def missed(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Answerable questions whose source or evidence is not in the top 5."""
    return [
        r
        for r in report["rows"]
        if r["answerable"]
        and (
            r.get("hit@5", 0) < 1 or ("evidence_rank" in r and not (r["evidence_rank"] or 99) <= 5)
        )
    ]
