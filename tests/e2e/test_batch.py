"""A list of questions at once, the way a reporter runs it: a CSV through `rag ask --batch`
with a progress bar, and the same list through POST /batch, streamed or not."""

import csv
import io
import json
from pathlib import Path

import httpx

from eval.dataset import DEFAULT_SEEDS, load_questions
from rag.service import RagService
from tests.sse import read_events

QUESTIONS = [q.question for q in load_questions(DEFAULT_SEEDS)][:50]


def spans_are_exact(rows: list[dict[str, str]], service: RagService) -> int:
    """Every cited span is the quote, character for character; returns how many were checked."""
    checked = 0
    for row in rows:
        if row["doc_id"]:
            _, view = service.document(row["doc_id"])
            assert view[int(row["start"]) : int(row["end"])] == row["quote"], row
            checked += 1
    return checked


def test_fifty_questions_from_a_csv_with_a_progress_bar(
    run_cli, seed_service: RagService, tmp_path: Path
) -> None:
    source = tmp_path / "questions.csv"
    with open(source, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["question", "outlet"])
        writer.writerows([q, ""] for q in QUESTIONS)
    out = tmp_path / "answers.csv"
    done = run_cli("ask", "--batch", str(source), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Answering" in done.stderr and "50/50" in done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {int(r["row"]) for r in rows} == set(range(2, 52))
    assert spans_are_exact(rows, seed_service) >= 40
    assert "50 questions, " in done.stdout and str(out) in done.stdout
    few = tmp_path / "few.csv"
    few.write_text("question\n" + "\n".join(QUESTIONS[:3]) + "\n", encoding="utf-8")
    report = run_cli("ask", "--batch", str(few), "--format", "md")
    assert report.returncode == 0 and report.stdout.startswith("# Answers")
    headings = [line for line in report.stdout.splitlines() if line.startswith("## ")]
    assert [h.split(".")[0] for h in headings] == ["## 1", "## 2", "## 3"]  # not the CSV's lines
    assert "““" not in report.stdout and "””" not in report.stdout


def test_a_bad_row_is_named_by_its_line(run_cli, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("question,from\nWho is Hu Xijin?,2024-13-01\n", encoding="utf-8")
    done = run_cli("ask", "--batch", str(source))
    assert done.returncode == 2 and "bad.csv:2" in done.stderr and "2024-13-01" in done.stderr
    headless = tmp_path / "headless.csv"
    headless.write_text("text\nWho?\n", encoding="utf-8")
    assert "no 'question' column" in run_cli("ask", "--batch", str(headless)).stderr


def test_post_batch_answers_every_row_and_streams_progress(
    api_url: str, seed_service: RagService
) -> None:
    body = {
        "questions": [
            {"question": QUESTIONS[0]},
            {"question": QUESTIONS[1], "filters": {"outlets": ["No Such Outlet"]}},
            {"question": "x" * 5000},
        ],
        "format": "csv",
    }
    reply = httpx.post(f"{api_url}/batch", json=body, timeout=120)
    assert reply.status_code == 200, reply.text
    rows = reply.json()["rows"]
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert rows[0]["answerable"] and rows[0]["citations"]
    assert not rows[1]["answerable"] and "No Such Outlet" in rows[1]["answer"]
    assert "error" in rows[2] and "characters" in rows[2]["error"]
    text = list(csv.DictReader(io.StringIO(reply.json()["text"])))
    assert spans_are_exact(text, seed_service) == len(rows[0]["citations"])
    events = read_events(f"{api_url}/batch", {**body, "stream": True})
    progress = [data for kind, data in events if kind == "row"]
    assert [p["done"] for p in progress] == [1, 2, 3] and progress[-1]["total"] == 3
    assert events[-1][0] == "done" and events[-1][1]["rows"] == 3
    too_many = httpx.post(f"{api_url}/batch", json={"questions": [{"question": "q"}] * 501})
    assert too_many.status_code == 422
    assert json.loads(too_many.text)["detail"]
