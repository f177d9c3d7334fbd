"""`rag eval --beir` on a tiny BEIR-format dataset: gzip input, metrics, and the index cache."""

import gzip
import json
from pathlib import Path

import pytest

TOPICS = [
    ("Harbour ferry terminal", "The harbour board approved a ferry terminal that opens in 2026."),
    ("Glacier retreat", "Alpine glaciers lost a tenth of their ice volume in two summers."),
    ("Chess prodigy", "A twelve-year-old became the youngest grandmaster in the country."),
    ("Bread prices", "Bakeries raised bread prices after the wheat harvest failed."),
    ("Solar farm", "A solar farm covering 300 hectares began supplying the regional grid."),
    ("Library fines", "The city library abolished late fines to bring back young readers."),
]


@pytest.fixture(scope="module")
def beir_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("beir")
    with gzip.open(folder / "corpus.jsonl.gz", "wt", encoding="utf-8") as fh:
        for i, (title, text) in enumerate(TOPICS):
            fh.write(json.dumps({"_id": f"d{i}", "title": title, "text": text}) + "\n")
    questions = [
        "When does the new ferry terminal open?",
        "How much ice did the glaciers lose?",
        "Who is the youngest grandmaster?",
        "Why did bread get more expensive?",
    ]
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": f"q{i}", "text": q}) + "\n" for i, q in enumerate(questions))
    )
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"q{i}\td{i}\t1\n" for i in range(len(questions)))
    )
    return folder


def test_beir_eval_scores_and_caches_its_index(run_cli, beir_dir: Path, tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "beir.json"
    first = run_cli(
        "eval",
        "--beir",
        str(beir_dir),
        "--split",
        "test",
        "--cache",
        str(cache),
        "--json",
        str(out),
    )
    assert first.returncode == 0, first.stderr
    assert "ndcg@10" in first.stdout and "Chunking" in first.stderr  # built, with a progress bar
    report = json.loads(out.read_text())
    assert report["summary"]["queries"] == 4
    assert report["summary"]["ndcg@10"] > 0.9 and report["summary"]["recall@100"] == 1.0
    assert [r["ranker"] for r in report["fusion"]] == ["dense", "lexical", "hybrid"]
    assert all(0.0 <= r["ndcg@10"] <= 1.0 for r in report["fusion"])
    (index_dir,) = cache.iterdir()
    built = (index_dir / "CURRENT").stat().st_mtime_ns
    second = run_cli("eval", "--beir", str(beir_dir), "--split", "test", "--cache", str(cache))
    assert second.returncode == 0 and "Chunking" not in second.stderr  # only the queries ran
    assert (index_dir / "CURRENT").stat().st_mtime_ns == built


def test_missing_split_is_a_clear_error(run_cli, beir_dir: Path) -> None:
    result = run_cli("eval", "--beir", str(beir_dir), "--split", "dev")
    assert result.returncode == 2 and "No qrels for split 'dev'" in result.stderr
