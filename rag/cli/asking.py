"""`rag index`, `rag query`, `rag answer` and `rag chat`: building the archive and asking it."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rag import registry
from rag.cli.render import filter_flags, filters_of, opened, print_report, render, render_citations
from rag.cli.workbench import print_rechecks
from rag.config import Settings
from rag.errors import RagError
from rag.generation.cite import CITE_FORMATS, export
from rag.query import MODES
from rag.service import RagService
from rag.workbench.followup import MAX_TURNS, Turn, turn_of

GENERATOR_HELP = (
    f"who writes the answer: {', '.join(registry.names('generator'))} (default: RAG_GENERATOR, "
    "extractive); `rag generators` says which are ready here"
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "index", help="update the index to a corpus folder (only changes are embedded)"
    )
    p.add_argument("corpus", nargs="?", type=Path, help="corpus folder (default: RAG_CORPUS_DIR)")
    p.add_argument("--full", action="store_true", help="rebuild everything from scratch")
    p.add_argument("--check", action="store_true", help="verify the index and change nothing")
    p.add_argument(
        "--restore",
        metavar="DOC_ID",
        action="append",
        default=[],
        help="bring back a corpus file removed from the archive (repeatable)",
    )
    p.set_defaults(handler=_index)

    p = sub.add_parser("query", help="print the passages that best answer a question")
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--mode", choices=MODES, default=None)
    p.add_argument("--json", action="store_true", help="print the JSON body of POST /query")
    filter_flags(p)
    p.set_defaults(handler=_query)

    p = sub.add_parser("answer", help="write an answer that cites the passages it uses")
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--generator", default=None, help=GENERATOR_HELP)
    p.add_argument("--json", action="store_true", help="print the JSON body of POST /answer")
    p.add_argument("--stream", action="store_true", help="print the answer as it is written")
    p.add_argument(
        "--cite",
        choices=CITE_FORMATS,
        help="print the cited sources to take away: md (footnotes), csl (CSL-JSON), bibtex (classic), biblatex",
    )
    filter_flags(p)
    p.set_defaults(handler=_answer)

    p = sub.add_parser(
        "chat",
        help="answer questions read one a line from standard input, each follow-up in the light "
        "of the ones before ('/new' starts a new conversation)",
    )
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--generator", default=None, help=GENERATOR_HELP)
    p.add_argument("--json", action="store_true", help="print each answer's JSON body, a line each")
    filter_flags(p)
    p.set_defaults(handler=_chat)


def _index(args: argparse.Namespace, settings: Settings) -> int:
    service = RagService(settings)
    if args.check:
        found = service.check()
        print(
            f"ok: {found['generation']} in {service.home.label}: {found['verified']}; "
            f"{found['documents']:,} documents, {found['chunks']:,} chunks, every passage "
            "matches its text view"
        )
        for doc_id in found["stale"]:
            print(f"stale: {doc_id} changed on disk since it was indexed (run `rag index`)")
        return 0
    for doc_id in args.restore:
        print(f"restored {doc_id}: {service.restore(doc_id).summary()}")
    if args.restore:
        print_rechecks(service)
        return 0
    print_report(service, service.update(args.corpus, full=args.full, progress=True))
    print_rechecks(service)
    return 0


def _query(args: argparse.Namespace, settings: Settings) -> int:
    service = opened(settings)
    result = service.query(args.question, args.top_k, args.mode, filters_of(args))
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(result))
    return 0


def _answer(args: argparse.Namespace, settings: Settings) -> int:
    service = opened(settings)
    if args.stream and not args.json:
        for item in service.stream_answer(
            args.question, args.top_k, args.generator, filters=filters_of(args)
        ):
            if isinstance(item, str):
                print(item, end="", flush=True)
            else:
                print("\n\n" + render_citations(item))
        return 0
    result = service.answer(args.question, args.top_k, args.generator, filters=filters_of(args))
    if args.cite:
        print(export(result, args.cite))
    elif args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{result.answer}\n\n{render_citations(result)}")
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    service = opened(settings)
    turns: list[Turn] = []
    prompt = "> " if sys.stdin.isatty() else ""
    while True:
        try:
            line = input(prompt).strip()
        except EOFError:
            return 0
        if line == "/new":
            turns.clear()
            print("(new conversation)", file=sys.stderr)
            continue
        if not line:
            continue
        try:
            result = service.answer(
                line, args.top_k, args.generator, filters=filters_of(args), conversation=turns
            )
        except RagError as exc:  # one bad line does not end the conversation
            print(f"error: {exc}", file=sys.stderr)
            continue
        turns = [*turns, turn_of(result)][-MAX_TURNS:]
        if args.json:
            print(json.dumps(result.as_dict(), ensure_ascii=False), flush=True)
            continue
        if result.citations.asked:
            print(f"(searched as: {result.question})")
        print(f"{result.answer}\n\n{render_citations(result)}\n", flush=True)
