"""How well answers show sources that disagree: pairs of reports built from the seeds and news pages.

    python -m eval.disagreements [--cache .cache] [--json eval/results/disagreements.json]

For every question of the seeds and news sets whose retrieved passages hold an answering window
with a fact of the kind it asks about (rag.generation.disagreements.facts), that passage is set
beside a second report, dated a day later from another outlet:
- "disagree": the same passage with that fact changed (a count +10% or more, an amount x1.2,
  a share +3 points, a year +1, a day +2): a disagreement should be shown;
- "agree": the same passage word for word, and "reworded": with its wording changed and its
  facts kept (numbers written in words or digits, "said" -> "told reporters", "at least" ->
  "no fewer than"): none should be.
Questions split in two by a hash of their text; the rules were written before either half was
read, and `--part tuning` is what any change to them may look at. Reported: precision and recall
of "disagreement shown" and the share of agreeing and reworded pairs left alone.
"""

import argparse
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eval.report import table, write_json
from rag.config import Settings
from rag.generation.disagreements import SIDE, Score, facts, holding_facts
from rag.judging.reader import disagreements
from rag.judging.reading import reader
from rag.judging.windows import windows
from rag.retrieval.retriever import Passage, Retrieval
from rag.service import RagService

KINDS = ("disagree", "agree", "reworded")
_SMALL = "zero one two three four five six seven eight nine ten".split()
_REWORDINGS = (
    (re.compile(r"\bsaid\b"), "told reporters"),
    (re.compile(r"\b[Aa]t least\b"), "no fewer than"),
    (re.compile(r"\bpeople\b"), "persons"),
    (re.compile(r"\bpercent\b"), "per cent"),
)


@dataclass(frozen=True)
class Case:
    question: str
    kind: str
    retrieval: Retrieval


def is_held_out(question: str) -> bool:
    return hashlib.sha256(question.encode()).digest()[0] % 2 == 1


def changed(window: str, question: str) -> str | None:
    """The window with its first fact of the asked kind changed, as a later report would."""
    found = facts(question, window)
    if not found:
        return None
    fact = found[0]
    at = window.index(fact.written)
    digits = re.search(r"\d[\d,.]*", fact.written)
    if fact.slot == "date":
        day = re.search(r"\d{1,2}", fact.written)
        assert day is not None
        new = fact.written.replace(day.group(), str(int(day.group()) % 26 + 2), 1)
    elif digits is None:  # a number in words: say it in digits, changed
        word = re.match(r"[A-Za-z]+", fact.written)
        assert word is not None
        new = str(int(float(fact.value.rstrip("%"))) + 3) + fact.written[word.end() :]
    else:
        value = float(digits.group().replace(",", ""))
        bump = {"year": value + 1, "share": value + 3, "amount": value * 1.2}
        bumped = bump.get(fact.slot, value + max(1, round(value * 0.1)))
        text = f"{bumped:,.0f}" if "," in digits.group() else f"{bumped:g}"
        new = fact.written.replace(digits.group(), text, 1)
    return window[:at] + new + window[at + len(fact.written) :]


def reworded(window: str) -> str:
    out = re.sub(
        r"(?<![\d.,$£€])\b(\d)\b(?![.,]\d|\s*%)", lambda m: _SMALL[int(m.group(1))], window
    )
    for pattern, words in _REWORDINGS:
        out = pattern.sub(words, out)
    return out


def cases_of(service: RagService, questions: list[str]) -> list[Case]:
    """Each question's pairs, when its passages hold an answering window with a fact."""
    out = []
    for question, retrieval in zip(questions, service.query_many(questions, 5), strict=True):
        found = _answering_window(reader().scores, retrieval)
        if found is None:
            continue
        passage, span = found
        window = passage.text[span[0] : span[1]]
        later = dict(outlet="Second Wire", published="2099-01-02", doc_id="later", rank=2)
        first = replace(passage, rank=1, outlet="First Wire", published="2099-01-01")
        texts = {
            "disagree": changed(window, question),
            "agree": window,
            "reworded": reworded(window),
        }
        for kind, text in texts.items():
            if text is None:
                continue
            body = passage.text[: span[0]] + text + passage.text[span[1] :]
            second = replace(passage, text=body, end=passage.start + len(body), **later)  # type: ignore[arg-type]
            out.append(Case(question, kind, replace(retrieval, passages=(first, second))))
    return out


def _answering_window(score: Score, retrieval: Retrieval) -> tuple[Passage, tuple[int, int]] | None:
    """The best-scoring window that holds a fact (the ones rag.generation.disagreements reads),
    when it answers."""
    held = holding_facts(retrieval, windows)
    if not held:
        return None
    scores = score(retrieval.reading, [text for _, text, _, _ in held])
    best = max(range(len(held)), key=lambda n: scores[n])
    i, text, offset, _ = held[best]
    return (retrieval.passages[i], (offset, offset + len(text))) if scores[best] >= SIDE else None


def figures(cases: list[Case]) -> dict[str, Any]:
    shown = {kind: 0 for kind in KINDS}
    count = {kind: 0 for kind in KINDS}
    for case in cases:
        count[case.kind] += 1
        shown[case.kind] += bool(disagreements(case.retrieval))
    false = shown["agree"] + shown["reworded"]
    return {
        "questions": len({c.question for c in cases}),
        "pairs": count,
        "precision": shown["disagree"] / max(1, shown["disagree"] + false),
        "recall": shown["disagree"] / max(1, count["disagree"]),
        "agree_left_alone": 1 - shown["agree"] / max(1, count["agree"]),
        "reworded_left_alone": 1 - shown["reworded"] / max(1, count["reworded"]),
    }


def main() -> int:
    from eval.abstention import _read, open_news
    from eval.dataset import (
        DEFAULT_SEEDS,
        FRESH_SEEDS,
        HARD_SEEDS,
        HELD_OUT_SEEDS,
        NEWS_HELD_OUT,
        NEWS_TUNE,
    )

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cache", type=Path, default=Path(".cache"), help="where the news index lives")
    p.add_argument("--part", choices=("tuning", "held-out", "both"), default="both")
    p.add_argument("--json", type=Path, default=Path("eval/results/disagreements.json"))
    args = p.parse_args()
    settings = Settings()
    seeds = RagService(settings)
    seeds.open(build_if_missing=True, progress=False)
    sets = (
        (seeds, (DEFAULT_SEEDS, HARD_SEEDS, HELD_OUT_SEEDS, FRESH_SEEDS)),
        (open_news(settings, args.cache), (NEWS_TUNE, NEWS_HELD_OUT)),
    )
    asked = [
        (service, list(dict.fromkeys(q.question for q in _read(*paths)))) for service, paths in sets
    ]
    cases = [case for service, questions in asked for case in cases_of(service, questions)]
    raised = [row for service, questions in asked for row in raised_by(service, questions)]
    rows = part_rows(cases, args.part)
    for row in rows:
        mine = [r for r in raised if is_held_out(r["question"]) == (row["part"] == "held-out")]
        row["real_answers"] = len(mine)
        row["real_raised"] = [r for r in mine if r["disagreements"]]
    columns = ["part", "questions", "pairs", "precision", "recall", "agree_left_alone"]
    print(table(rows, [*columns, "reworded_left_alone", "real_answers"]))
    for row in rows:
        for r in row["real_raised"]:
            print(f"{row['part']}: {r['question']} -> {' '.join(r['disagreements'])}")
    write_json(args.json, {"rows": rows})
    return 0


def part_rows(cases: list[Case], part: str = "both") -> list[dict[str, Any]]:
    """The figures of each part (tuning, held-out) the `part` argument asks for."""
    return [
        {"part": name, **figures([c for c in cases if is_held_out(c.question) == held])}
        for name, held in {"tuning": False, "held-out": True}.items()
        if part in (name, "both")
    ]


def seeds_rows(service: RagService) -> list[dict[str, Any]]:
    """The built pairs over the seeds alone (for `rag eval`; this module adds the news pages)."""
    from eval.abstention import _read
    from eval.dataset import DEFAULT_SEEDS, FRESH_SEEDS, HARD_SEEDS, HELD_OUT_SEEDS

    asked = _read(DEFAULT_SEEDS, HARD_SEEDS, HELD_OUT_SEEDS, FRESH_SEEDS)
    return part_rows(cases_of(service, list(dict.fromkeys(q.question for q in asked))))


def raised_by(service: RagService, questions: list[str]) -> list[dict[str, Any]]:
    """What the real archive raises: each answered question's disagreements, to read by eye."""
    out = []
    for retrieval in service.query_many(questions, 5):
        judged = service.judged(retrieval)
        if judged.answerable:
            found = disagreements(judged)
            out.append(
                {"question": judged.question, "disagreements": [d.sentence() for d in found]}
            )
    return out


if __name__ == "__main__":
    raise SystemExit(main())
