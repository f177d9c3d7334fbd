"""`rag timeline`, `rag ask --batch` and `rag watch`: the reporter's workbench on the command line."""

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.cli.render import filter_flags, filters_of
from rag.config import Settings
from rag.errors import RagError
from rag.generation.answering import Answer
from rag.service import RagService
from rag.workbench.batch import BATCH_FORMATS, BatchQuestion, answer_all, read_csv, write


def register(sub: Any) -> None:
    p = sub.add_parser("timeline", help="the passages about a question or name, by date")
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=None, help="passages to read (default 50)")
    p.add_argument("--json", action="store_true", help="print the JSON body of POST /timeline")
    filter_flags(p)
    p.set_defaults(handler=_timeline)

    p = sub.add_parser("ask", help="answer a list of questions at once (a CSV)")
    p.add_argument(
        "--batch",
        type=Path,
        required=True,
        metavar="CSV",
        help="a CSV with a 'question' column; optional doc_id, from, to, outlet columns",
    )
    p.add_argument("--out", type=Path, help="write here (the format from its suffix)")
    p.add_argument("--format", choices=BATCH_FORMATS, help="csv, jsonl or md (default: csv)")
    p.add_argument("--generator", default=None, help="extractive (default), openai, transformers")
    p.set_defaults(handler=_ask)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    questions = read_csv(args.batch)
    style = args.format or (args.out.suffix.lstrip(".") if args.out else "csv")
    if style not in BATCH_FORMATS:
        raise RagError(f"--out {args.out}: say --format csv, jsonl or md for that file")
    service = RagService(settings)
    service.open()

    def ask(q: BatchQuestion) -> Answer:
        return service.answer(q.question, generator=args.generator, filters=q.filters)

    progress = tqdm(questions, desc="Answering", unit="question", file=sys.stderr)
    rows = list(answer_all(ask, progress))
    text = write(rows, style)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        covered = sum(1 for r in rows if r.get("answerable"))
        print(f"{len(rows)} questions, {covered} answered from the archive: wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _timeline(args: argparse.Namespace, settings: Settings) -> int:
    service = RagService(settings)
    service.open()
    result = service.timeline(args.question, args.top_k, filters_of(args))
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return 0
    for day, entries in [*result.days, ("undated", result.undated)]:
        if entries:
            print(day)
        for e in entries:
            p, (start, end) = e.passage, e.sentence
            copies = f" (+{len(p.also_in)} copies)" if p.also_in else ""
            print(f"  {p.outlet or p.doc_id}: {p.title or '(untitled)'}{copies}")
            sentence = " ".join(p.text[start - p.start : end - p.start].split())
            print(f"    “{textwrap.shorten(sentence, 240)}” ({p.doc_id}, chars {start}-{end})")
    if not result.days and not result.undated:
        print("No passage holds enough of the question's names and words to date a story.")
    return 0
