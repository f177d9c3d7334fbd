"""A list of questions at once: read a CSV, answer every row, write CSV, JSONL or Markdown.

A reporter checking twenty names or claims against the archive wants one table back: per row,
whether the archive covers it and how well, the answer, and every cited source with its file,
title, outlet, date, exact span and the quoted words (`text_view[start:end] == quote`).
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from rag.errors import InvalidQueryError, RagError
from rag.generation.answering import Answer
from rag.generation.cite import quoted, sources
from rag.query import Filters

MAX_BATCH_QUESTIONS = 500
BatchFormat = Literal["csv", "jsonl", "md"]
BATCH_FORMATS: tuple[BatchFormat, ...] = ("csv", "jsonl", "md")
FILTER_COLUMNS = ("doc_id", "from", "to", "outlet")
CITATION_COLUMNS = (
    "citation", "doc_id", "title", "outlet", "published", "start", "end", "quote"
)  # fmt: skip
ROW_COLUMNS = ("row", "question", "answerable", "support", "relevance", "answer", "reason")


@dataclass(frozen=True)
class BatchQuestion:
    """One row of the list: the question and the filters that narrow it."""

    row: int
    question: str
    filters: Filters = Filters()


def read_csv(path: Path) -> list[BatchQuestion]:
    """Rows of a CSV with a `question` column and optional `doc_id`, `from`, `to`, `outlet`
    columns (dates YYYY-MM-DD); a bad row is named by its line number, nothing is skipped."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            columns = set(reader.fieldnames or ())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RagError(f"Cannot read {path}: {exc}") from exc
    if "question" not in columns:
        raise RagError(f"{path} has no 'question' column (it has: {', '.join(sorted(columns))})")
    out = [_question(path, number, row) for number, row in enumerate(rows, start=2)]
    return check_size([q for q in out if q.question])


def check_size(questions: Sequence[BatchQuestion]) -> list[BatchQuestion]:
    if not questions:
        raise RagError("The list holds no question")
    if len(questions) > MAX_BATCH_QUESTIONS:
        raise InvalidQueryError(
            f"{len(questions)} questions: at most {MAX_BATCH_QUESTIONS} at once, split the list"
        )
    return list(questions)


def _question(path: Path, line: int, row: dict[str, str]) -> BatchQuestion:
    def day(key: str) -> date | None:
        value = (row.get(key) or "").strip()
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise RagError(
                f"{path}:{line}: '{key}' is {value!r}, not a date like 2024-03-31"
            ) from None

    try:
        filters = Filters(
            doc_ids=tuple(v for v in (row.get("doc_id") or "").split("|") if v.strip()),
            published_from=day("from"),
            published_to=day("to"),
            outlets=tuple(v for v in (row.get("outlet") or "").split("|") if v.strip()),
        )
    except InvalidQueryError as exc:
        raise RagError(f"{path}:{line}: {exc}") from None
    return BatchQuestion(line, (row.get("question") or "").strip(), filters)


def result(question: BatchQuestion, answer: Answer) -> dict[str, Any]:
    """One answered row: the verdict, the answer and each cited source with its exact quote."""
    return {
        "row": question.row,
        "question": question.question,
        "answerable": answer.answerable,
        "support": answer.citations.support,
        "relevance": answer.citations.relevance,
        "answer": answer.answer,
        "reason": answer.citations.reason,
        "citations": [
            {
                "citation": s.n,
                "doc_id": s.passage.doc_id,
                "title": s.passage.title,
                "outlet": s.passage.outlet,
                "published": s.passage.published,
                "start": s.start,
                "end": s.end,
                "quote": s.quote,
            }
            for s in sources(answer)
        ],
    }


def answer_all(
    ask: Callable[[BatchQuestion], Answer], questions: Iterable[BatchQuestion]
) -> Iterator[dict[str, Any]]:
    """Answer row by row; a row whose question is refused says why and the list goes on."""
    for question in questions:
        try:
            yield result(question, ask(question))
        except InvalidQueryError as exc:
            yield {"row": question.row, "question": question.question, "error": str(exc)}


def write(rows: Sequence[dict[str, Any]], style: BatchFormat) -> str:
    """The answered list as CSV (a line per cited source), JSONL (a line per row) or Markdown."""
    if style == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if style == "md":
        return _markdown(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, [*ROW_COLUMNS, "error", *CITATION_COLUMNS])
    writer.writeheader()
    for r in rows:
        base = {k: r.get(k, "") for k in (*ROW_COLUMNS, "error")}
        for citation in r.get("citations") or [{}]:
            writer.writerow({**base, **citation})
    return out.getvalue()


def _markdown(rows: Sequence[dict[str, Any]]) -> str:
    lines = ["# Answers", ""]
    for n, r in enumerate(rows, start=1):  # numbered in order; `row` is the list's line
        lines.append(f"## {n}. {r['question']}")
        if "error" in r:
            lines += ["", f"Not asked (line {r['row']}): {r['error']}", ""]
            continue
        lines += ["", f"**{r['support'].capitalize()}** ({r['reason']})", "", r["answer"], ""]
        for c in r["citations"]:
            where = ", ".join(x for x in (c["outlet"], c["published"]) if x)
            lines.append(
                f"- [{c['citation']}] {c['title'] or c['doc_id']}{f' ({where})' if where else ''}: "
                f"{quoted(c['quote'])} — {c['doc_id']}, characters {c['start']}-{c['end']}"
            )
        lines.append("")
    return "\n".join(lines)
