"""Fit the abstention model and report it by cross-validation: `python -m eval.abstention`.

Examples are questions with the signals retrieval measured for them (rag/retrieval/abstention.py) and a
label, grouped for the report: the seeds sets' answerable questions, their on-topic and
off-topic unanswerable ones, and, with `--scifact DIR`, SciFact claims asked of the seeds index
and seeds questions asked of SciFact (both unanswerable: free examples from the other corpus)
plus SciFact train claims asked of SciFact (answerable). Every number printed comes from
held-out folds: each fold's model and cut-off are fitted on the other folds only.
"""

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from eval.dataset import DEFAULT_SEEDS, HARD_SEEDS, EvalQuestion, load_questions
from eval.report import table, write_json
from rag.config import Settings
from rag.errors import MissingDependencyError
from rag.retrieval.abstention import FEATURES, SHIPPED, AbstentionModel
from rag.retrieval.retriever import Retrieval
from rag.service import RagService

MAX_REFUSED = 0.01  # the cut-off keeps at least 99% of the fitting folds' answerable questions
BEFORE = 0.34
GROUPS = {  # group -> (label, what the table calls the rate)
    "answerable": (1, "refused"),
    "on-topic": (0, "declined"),
    "off-topic": (0, "declined"),
    "scifact -> seeds": (0, "declined"),
    "seeds -> scifact": (0, "declined"),
    "scifact answerable": (1, "refused"),
}


@dataclass(frozen=True)
class Example:
    group: str
    question: str
    values: tuple[float, ...]

    @property
    def label(self) -> int:
        return GROUPS[self.group][0]

    @property
    def signals(self) -> dict[str, float]:
        return dict(zip(FEATURES, self.values, strict=True))


def examples_from(
    groups: str | Sequence[str], questions: Sequence[str], results: Sequence[Retrieval]
) -> list[Example]:
    """One example per question: its group (one for all, or one each) and measured signals."""
    each = [groups] * len(questions) if isinstance(groups, str) else groups
    return [
        Example(g, q, tuple(r.signals[f] for f in FEATURES))
        for g, q, r in zip(each, questions, results, strict=True)
    ]


def seeds_examples(service: RagService, questions: Sequence[EvalQuestion]) -> list[Example]:
    results = service.query_many([q.question for q in questions], top_k=10)
    return examples_from([q.category for q in questions], [q.question for q in questions], results)


def _sklearn() -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # a dev dependency: `make install` has it
        raise MissingDependencyError(
            "fitting needs scikit-learn: pip install scikit-learn"
        ) from exc
    return LogisticRegression


def fit(examples: Sequence[Example]) -> AbstentionModel:
    """Logistic regression on standardised signals, every group weighing the same however many
    questions it has; the cut-off refuses at most MAX_REFUSED of the answerable examples it was
    fitted on, in every answerable group."""
    x = np.array([e.values for e in examples], dtype=np.float64)
    y = np.array([e.label for e in examples])
    groups = np.array([e.group for e in examples])
    sizes = {g: int((groups == g).sum()) for g in set(groups)}
    weight = np.array([len(examples) / (len(sizes) * sizes[g]) for g in groups])
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = _sklearn()(C=1.0, max_iter=1000).fit((x - means) / scales, y, sample_weight=weight)
    fitted = AbstentionModel(
        tuple(means), tuple(scales), tuple(model.coef_[0]), float(model.intercept_[0]), 0.0
    )
    scores = np.array([fitted.confidence(e.signals) for e in examples])
    cuts = [
        float(np.quantile(scores[groups == g], MAX_REFUSED)) for g in sizes if GROUPS[g][0] == 1
    ]
    cut = min(cuts, default=0.5)
    return replace(fitted, threshold=round(cut, 4))


def cross_validate(examples: Sequence[Example], folds: int = 5, seed: int = 0) -> list[bool]:
    """Per example, whether the model fitted without its fold would call it answerable. The same
    question text stays in one fold, whichever corpus it was asked of."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = [e.label for e in examples]
    groups = [e.question for e in examples]
    predicted = [False] * len(examples)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y, groups):
        model = fit([examples[i] for i in train])
        for i in test:
            value = model.confidence(examples[i].signals)
            predicted[i] = value >= model.threshold
    return predicted


def report(examples: Sequence[Example], predicted: Sequence[bool]) -> list[dict[str, Any]]:
    rows = []
    for group, (label, word) in GROUPS.items():
        members = [p for e, p in zip(examples, predicted, strict=True) if e.group == group]
        if not members:
            continue
        wrong = sum(1 for p in members if p != bool(label))
        rate = wrong / len(members) if label else 1 - wrong / len(members)
        rows.append(
            {
                "questions": group,
                "n": len(members),
                "rate": word,
                "value": rate,
                "count": f"{len(members) - wrong if not label else wrong}/{len(members)}",
            }
        )
    return rows


def collect(settings: Settings, scifact: Path | None, cache: Path) -> list[Example]:
    service = RagService(settings)
    service.open(build_if_missing=True)
    questions = load_questions(DEFAULT_SEEDS) + load_questions(HARD_SEEDS)
    examples = seeds_examples(service, questions)
    if scifact is None:
        return examples
    from eval.beir import beir_retriever, load_beir

    train = load_beir(scifact, "train", progress=False)
    claims = list(train.queries.values())
    examples += examples_from("scifact -> seeds", claims, service.query_many(claims, top_k=10))
    retriever = beir_retriever(train, settings, cache)
    texts = [q.question for q in questions]
    examples += examples_from("seeds -> scifact", texts, retriever(texts))
    examples += examples_from("scifact answerable", claims, retriever(claims))
    return examples


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scifact", type=Path, default=None, help="a BEIR SciFact folder")
    p.add_argument(
        "--cache", type=Path, default=Path(".cache"), help="where BEIR indexes are cached"
    )
    p.add_argument(
        "--write",
        action="store_true",
        help=f"save the model fitted on every example as {SHIPPED.name}",
    )
    p.add_argument("--out", type=Path, default=Path("eval/results/abstention.json"))
    args = p.parse_args(argv)
    settings = Settings()
    examples = collect(settings, args.scifact, args.cache)
    columns = ["questions", "n", "rate", "value", "count"]
    before = report(examples, [e.values[0] >= BEFORE for e in examples])
    print(f"Before: top dense cosine >= {BEFORE} (the threshold this model replaced):")
    print(table(before, columns))
    rows = report(examples, cross_validate(examples))
    print("\nAbstention, held-out folds (5-fold cross-validation):")
    print(table(rows, columns))
    model = fit(examples)
    print(
        f"\nfitted on all {len(examples)}: weights {dict(zip(FEATURES, (round(w, 3) for w in model.weights), strict=True))}, cut-off {model.threshold}"
    )
    write_json(
        args.out,
        {"before": before, "rows": rows, "model": model.to_json(), "examples": len(examples)},
    )
    if args.write:
        write_json(SHIPPED, model.to_json())
        print(f"wrote {SHIPPED}")


if __name__ == "__main__":
    main()
