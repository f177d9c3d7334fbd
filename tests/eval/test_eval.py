"""The seeds eval set is well-formed, and `rag eval` runs and gates through the CLI."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from eval.dataset import DEFAULT_SEEDS, HARD_SEEDS, load_questions
from eval.runner import normalise
from rag.corpus.articles import split_articles
from rag.errors import RagError
from tests.conftest import SEEDS, read_exact

QUESTIONS = load_questions(DEFAULT_SEEDS)
HARD = load_questions(HARD_SEEDS)
TEXTS = {p.name: read_exact(p) for p in SEEDS.glob("*.txt")}


def test_the_set_is_big_and_covers_every_article() -> None:
    answerable = [q for q in QUESTIONS if q.answerable]
    assert len(QUESTIONS) >= 80 and len(QUESTIONS) - len(answerable) >= 10
    covered = Counter()
    for q in answerable:
        (doc,) = q.sources
        text = TEXTS[doc]
        pattern = r"\s+".join(re.escape(w) for w in q.evidence.split())
        at = re.search(pattern, text, re.IGNORECASE).start()
        articles = split_articles(text).articles
        (index,) = [i for i, a in enumerate(articles) if a.start <= at < a.end]
        covered[(doc, index)] += 1
    assert len(covered) == 23


def test_the_hard_set_is_hard_and_big() -> None:
    """At least 40 paraphrased answerable questions sharing few words with their evidence, and
    at least 40 on-topic questions the articles cannot answer, besides off-topic ones."""
    kinds = Counter(q.category for q in HARD)
    assert kinds["answerable"] >= 40 and kinds["on-topic"] >= 40 and kinds["off-topic"] >= 10
    from rag.stores.lexical import tokenize

    overlap = [
        len(set(tokenize(q.question)) & set(tokenize(q.evidence))) / len(set(tokenize(q.evidence)))
        for q in HARD
        if q.answerable
    ]
    assert sum(overlap) / len(overlap) < 0.2


@pytest.mark.parametrize("q", [q for q in QUESTIONS + HARD if q.answerable], ids=lambda q: q.id)
def test_evidence_sits_in_its_source_and_in_no_other_file(q) -> None:
    holders = sorted(
        name for name, text in TEXTS.items() if normalise(q.evidence) in normalise(text)
    )
    assert holders == sorted(q.sources)


def test_bad_eval_lines_fail_with_their_line_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q", "sources": []}\n{"id": "b", "question": ""}\n')
    with pytest.raises(RagError, match="bad.jsonl:2"):
        load_questions(bad)


def test_rag_eval_reports_writes_json_and_passes_thresholds(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run_cli(
        "eval",
        "--json",
        str(out),
        "--min-hit1",
        "0.95",
        "--min-evidence1",
        "0.88",
        "--min-hit5",
        "0.99",
        "--min-evidence5",
        "0.98",
        "--min-abstain",
        "0.9",
        "--max-false-refusal",
        "0.06",
        "--max-refused",
        "0.2",
        "--min-declined-on-topic",
        "0.7",
        "--min-declined-off-topic",
        "0.95",
        "--fusion-holds",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hit@5" in result.stdout and "evidence@5" in result.stdout
    assert "Fusion against each ranker" in result.stdout and "cross-validation" in result.stdout
    report = json.loads(out.read_text())
    assert report["summary"]["offsets_exact"] == 1.0
    groups = {r["questions"]: r for r in report["abstention"]}
    assert groups["answerable"]["n"] == 148 and groups["on-topic"]["n"] == 46
    assert len(report["rows"]) == len(QUESTIONS)


def test_rag_eval_exits_non_zero_below_a_threshold(run_cli, tmp_path: Path) -> None:
    few = tmp_path / "few.jsonl"  # the gate, not the seeds' scores: three questions do
    few.write_text("".join(DEFAULT_SEEDS.read_text().splitlines(keepends=True)[:3]))
    result = run_cli("eval", str(few), "--min-hit1", "1.01")
    assert result.returncode == 1
    assert "FAIL: hit@1" in result.stdout


MIXED_QUESTIONS = [
    {"id": "eml", "question": "Which company won the dredging contract?",
     "sources": ["brief.eml"], "evidence": "Tidewater Marine"},
    {"id": "atom", "question": "How much of the bay floor does seagrass cover now?",
     "sources": ["coastal.atom"], "evidence": "14 hectares"},
    {"id": "jsonl", "question": "How many tonnes of heather honey did the beekeepers collect?",
     "sources": ["dump.jsonl"], "evidence": "2.3 tonnes"},
    {"id": "rss", "question": "How many ferry crossings a day run until the summer season?",
     "sources": ["morrow.rss#morrow-ferry-1"], "evidence": "six crossings a day"},
    {"id": "pdf", "question": "What will replacing the pier fenders cost?",
     "sources": ["safety-report.pdf"], "evidence": "85,000 pounds"},
    {"id": "html", "question": "How many passengers did the first ferry crossing carry?",
     "sources": ["gazette-harbour.html"], "evidence": "212 passengers"},
    {"id": "copy", "question": "What pay offer ended the train drivers' strike?",
     "sources": ["wire-courier.txt"], "evidence": "6.5 percent"},
    {"id": "md", "question": "Why was the Rovers match moved away from Green Lane?",
     "sources": ["sport/rovers.md"], "evidence": "waterlogged"},
    {"id": "none", "question": "Who won the 2018 Super Bowl?", "sources": []},
]  # fmt: skip


def test_rag_eval_on_a_corpus_of_every_format(run_cli, tmp_path: Path) -> None:
    from tests.formats import mixed_folder, write_corpus

    corpus, questions, out = tmp_path / "corpus", tmp_path / "newsroom.jsonl", tmp_path / "r.json"
    mixed_folder(corpus)
    write_corpus(corpus)
    questions.write_text("".join(json.dumps(q) + "\n" for q in MIXED_QUESTIONS))
    env = {"RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "index")}
    assert run_cli("index", env=env).returncode == 0
    result = run_cli("eval", str(questions), "--json", str(out), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(out.read_text())["summary"]
    assert summary["offsets_exact"] == 1.0
    assert summary["hit@1"] == 1.0 and summary["evidence@5"] == 1.0, result.stdout
    assert "newsroom hit@1" in result.stdout and "seeds" not in result.stdout
    assert "Abstention cross-validation skipped: it needs at least 10 answerable" in result.stdout


def test_rag_eval_errors_are_one_line(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q"}\n')
    for args in (("eval", str(bad)), ("eval", str(tmp_path / "missing.jsonl"))):
        result = run_cli(*args)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
