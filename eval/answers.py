"""How good are the extractive answers? `python -m eval.answers`

For every answerable question of the seeds sets: does the answer hold the question's evidence
string, how many words it has, and how many quoted spans are not whole sentences of the article's text
view (a title line, a clipped fragment).
"""

import argparse
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from eval import metrics
from eval.dataset import DEFAULT_SEEDS, HARD_SEEDS, EvalQuestion, load_questions
from eval.report import table, write_json
from eval.runner import normalise
from rag.config import Settings
from rag.corpus.articles import Span
from rag.generation.extractive import quotable
from rag.service import RagService


def score(service: RagService, questions: Sequence[EvalQuestion]) -> dict[str, Any]:
    rows = []
    view = cache(lambda doc_id: service.document(doc_id)[1])  # each text view read once
    for q in questions:
        if not q.answerable or not q.evidence:
            continue
        answer = service.answer(q.question)
        quotes = [qt.text for qt in answer.quotes]
        rows.append(
            {
                "id": q.id,
                "answered": answer.answerable,
                "holds_evidence": normalise(q.evidence) in normalise(answer.answer),
                "words": sum(len(t.split()) for t in quotes),
                "fragments": sum(
                    1
                    for qt in answer.quotes
                    if not quotable(view(qt.doc_id), Span(qt.start, qt.end))
                ),
            }
        )
    answered = [r for r in rows if r["answered"]]
    return {
        "questions": len(rows),
        "holds_evidence": metrics.mean([1.0 if r["holds_evidence"] else 0.0 for r in rows]),
        "mean_words": metrics.mean([float(r["words"]) for r in answered]),
        "max_words": max((r["words"] for r in answered), default=0),
        "fragments": sum(r["fragments"] for r in rows),
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("eval/results/answers.json"))
    args = p.parse_args(argv)
    service = RagService(Settings())
    service.open(build_if_missing=True)
    results = {
        name: score(service, load_questions(path))
        for name, path in (("seeds", DEFAULT_SEEDS), ("hard", HARD_SEEDS))
    }
    columns = ["set", "questions", "holds_evidence", "mean_words", "max_words", "fragments"]
    print(table([{"set": k, **v} for k, v in results.items()], columns))
    write_json(args.out, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
