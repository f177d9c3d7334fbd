"""`make reader`'s steps on a tiny copy of the public data's layout: pairs are built, training
checkpoints and resumes, the export loads in the service's Reader; and a wrong data folder is one
line, not a traceback."""

import json
import subprocess
import sys
from pathlib import Path

from eval.reader.pairs import build, negate, oppose, swap
from rag.judging.reading import Reader

CONTEXT = (
    "The 2019 floods in Mozambique killed 600 people. Aid arrived from Portugal first, within "
    "two days of the storm. The cyclone was named Idai by forecasters in Mauritius."
)


def tiny_data(root: Path) -> Path:
    qas = [
        {
            "id": "q1",
            "question": "How many people did the 2019 floods in Mozambique kill?",
            "answers": [{"text": "600", "answer_start": CONTEXT.index("600")}],
        },
        {
            "id": "q2",
            "question": "Which country sent aid first?",
            "answers": [{"text": "Portugal", "answer_start": CONTEXT.index("Portugal")}],
        },
    ]
    squad = {
        "data": [
            {"title": t, "paragraphs": [{"context": CONTEXT, "qas": qas}]}
            for t in ("Floods", "Cyclones", "Aid", "Storms")
        ]
    }
    (root / "squad").mkdir(parents=True)
    (root / "squad" / "train-v1.1.json").write_text(json.dumps(squad))
    dev = json.loads(json.dumps(squad))
    dev["data"][0]["paragraphs"][0]["qas"].append(
        {"id": "q3", "question": "Who named the 2013 floods?", "answers": [], "is_impossible": True}
    )
    (root / "squad" / "dev-v2.0.json").write_text(json.dumps(dev))
    (root / "answer-sentences" / "selqa").mkdir(parents=True)
    for name in ("dev.tsv", "test.tsv"):
        (root / "answer-sentences" / "selqa" / name).write_text(
            "Who named the cyclone ?\tThe cyclone was named Idai by forecasters .\t1\n"
        )
    return root


def test_pairs_teach_the_near_miss() -> None:
    import random

    question = "How many people did the 2019 floods kill?"
    window = "The 2019 floods killed 600 people."
    swapped = swap(question, window, [], random.Random(1))
    assert swapped and "2019" not in swapped and swapped.startswith("How many people did the ")
    assert negate("When did the floods start?") == "When didn't the floods start?"
    assert oppose("Which country sent aid first?", CONTEXT) == "Which country sent aid last?"


def test_train_resume_export_and_load(tmp_path: Path) -> None:
    data = tiny_data(tmp_path / "data")
    pairs = build(data)
    assert {p.kind for p in pairs} >= {"answer", "near-miss", "selqa"}
    assert {p.label for p in pairs} == {0, 1}
    work, out = tmp_path / "work", tmp_path / "model"
    command = [sys.executable, "-m", "eval.reader"]
    common = ["--data", str(data), "--work", str(work)]
    first = subprocess.run(
        [*command, "train", *common, "--epochs", "2"], capture_output=True, text=True, timeout=600
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert "training pairs" in first.stdout and "checkpoint at step" in first.stdout
    again = subprocess.run(
        [*command, "train", *common, "--epochs", "2"], capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0 and again.stdout.count("checkpoint at step") == 1
    assert (
        first.stdout.split("checkpoint at step")[1].split()[0]
        == (again.stdout.split("checkpoint at step")[1].split()[0])
    )  # resumed at the end of its schedule: nothing more to train
    exported = subprocess.run(
        [*command, "export", *common, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert exported.returncode == 0, exported.stderr[-2000:]
    scores = Reader(out).scores("Which country sent aid first?", ["Aid came from Portugal.", "x y"])
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)


def test_a_folder_without_the_data_is_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "eval.reader", "train", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "no public data in" in result.stderr
    assert "Traceback" not in result.stderr
