"""`rag timeline`, `rag ask --batch` and `rag watch`: the reporter's workbench on the command line."""

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.cli.render import filter_flags, filters_of, opened
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

    p = sub.add_parser("watch", help="questions that watch the archive: add, list, show, remove")
    what = p.add_subparsers(metavar="ACTION", required=True)
    add = what.add_parser("add", help="save a question; it is re-answered after every update")
    add.add_argument("question")
    filter_flags(add)
    add.set_defaults(handler=_watch_add)
    what.add_parser("list", help="every watched question and its changes").set_defaults(
        handler=_watch_list
    )
    show = what.add_parser("show", help="one watched question with its history")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="print the JSON body of GET /watches/ID")
    show.set_defaults(handler=_watch_show)
    remove = what.add_parser("remove", help="stop watching a question")
    remove.add_argument("id")
    remove.set_defaults(handler=_watch_remove)
    check = what.add_parser("check", help="re-answer the watched questions now")
    check.set_defaults(handler=_watch_check)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    questions = read_csv(args.batch)
    style = args.format or (args.out.suffix.lstrip(".") if args.out else "csv")
    if style not in BATCH_FORMATS:
        raise RagError(f"--out {args.out}: say --format csv, jsonl or md for that file")
    service = opened(settings)

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
    service = opened(settings)
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
            if e.changed:
                print(
                    f"    Changed: {e.changed['now']}, where earlier reports said {e.changed['was']}."
                )
    if not result.days and not result.undated:
        print("No passage holds enough of the question's names and words to date a story.")
    return 0


def _watch_add(args: argparse.Namespace, settings: Settings) -> int:
    watch = opened(settings).watch_question(args.question, filters_of(args))
    print(f"watching {watch.id}: {watch.question}")
    print(f"  now: {watch.last.support}: {textwrap.shorten(watch.last.answer, 200)}")
    return 0


def _watch_list(args: argparse.Namespace, settings: Settings) -> int:
    watches = opened(settings).watched.all()
    for w in watches:
        moved = (
            f"{len(w.history)} change(s), last {w.history[-1].after.checked_at}"
            if w.history
            else "no change yet"
        )
        print(f"{w.id}  {w.last.support:<16} {moved}  {w.question}")
    if not watches:
        print('No watched questions: add one with `rag watch add "question"`.')
    return 0


def _watch_show(args: argparse.Namespace, settings: Settings) -> int:
    watch = opened(settings).watched.get(args.id)
    if args.json:
        print(watch.model_dump_json(indent=2))
        return 0
    print(f"{watch.id}: {watch.question} (watched since {watch.created_at})")
    print(f"now ({watch.last.generation}): {watch.last.support}: {watch.last.answer}")
    for change in reversed(watch.history):
        print(f"- {change.after.checked_at}: {change.summary}")
    return 0


def _watch_remove(args: argparse.Namespace, settings: Settings) -> int:
    opened(settings).watched.remove(args.id)
    print(f"stopped watching {args.id}")
    return 0


def _watch_check(args: argparse.Namespace, settings: Settings) -> int:
    print_rechecks(opened(settings))
    return 0


def print_rechecks(service: RagService) -> None:
    """Re-answer the watched questions (after an update) and say what moved."""
    watched = len(service.watched.all())
    if not watched:
        return
    changes = service.recheck_watches()
    print(f"Watched questions: {watched} re-checked, {len(changes)} changed")
    for change in changes:
        print(f"  {change.summary}")
