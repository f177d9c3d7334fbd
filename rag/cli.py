"""`rag index | query | answer`, plus the commands other packages register under the entry-point
group `newsrag.commands` (`serve` from api, `eval` from eval): the command-line edge, where
Settings are built. The library imports neither of those packages."""

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tqdm import tqdm

from rag.batch import BATCH_FORMATS, BatchQuestion, answer_all, read_csv, write
from rag.config import Settings
from rag.errors import RagError
from rag.generation.answering import Answer
from rag.generation.cite import CITE_FORMATS, export
from rag.index import UpdateReport
from rag.query import MODES, Filters
from rag.retrieval.retriever import Passage, Retrieval
from rag.service import RagService

COMMANDS = "newsrag.commands"


def quiet_libraries() -> None:
    """Keep libraries' chatter out of the user's log: bm25s logs every index build at DEBUG on
    a logger it sets to DEBUG itself, and trafilatura logs ERROR for every page without an
    article body, which the update already reports as a skipped file with its reason."""
    import logging

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        settings = Settings()
        return int(args.handler(args, settings) or 0)
    except ValidationError as exc:
        problems = "; ".join(
            (f"RAG_{'_'.join(map(str, e['loc'])).upper()}: " if e["loc"] else "")
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        print(f"error: invalid setting: {problems}", file=sys.stderr)
        return 2
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__)
    sub = parser.add_subparsers(metavar="COMMAND")

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
    _filter_flags(p)
    p.set_defaults(handler=_query)

    p = sub.add_parser("answer", help="write an answer that cites the passages it uses")
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--generator", default=None, help="extractive (default), openai, transformers")
    p.add_argument("--json", action="store_true", help="print the JSON body of POST /answer")
    p.add_argument("--stream", action="store_true", help="print the answer as it is written")
    p.add_argument(
        "--cite",
        choices=CITE_FORMATS,
        help="print the cited sources to take away: md (footnotes), csl (CSL-JSON), bibtex",
    )
    _filter_flags(p)
    p.set_defaults(handler=_answer)

    _workbench_parsers(sub)
    for command in entry_points(group=COMMANDS):  # `serve` from api, `eval` from eval
        command.load()(sub)
    return parser


def _workbench_parsers(sub: Any) -> None:
    p = sub.add_parser("timeline", help="the passages about a question or name, by date")
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=None, help="passages to read (default 50)")
    p.add_argument("--json", action="store_true", help="print the JSON body of POST /timeline")
    _filter_flags(p)
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
    result = service.timeline(args.question, args.top_k, _filters(args))
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


def _filter_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--doc-id", action="append", default=[], help="only this document (repeatable)")
    p.add_argument(
        "--from", dest="published_from", type=_date, help="published on or after YYYY-MM-DD"
    )
    p.add_argument(
        "--to", dest="published_to", type=_date, help="published on or before YYYY-MM-DD"
    )
    p.add_argument("--outlet", action="append", default=[], help="only this outlet (repeatable)")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: write YYYY-MM-DD") from None


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(tuple(args.doc_id), args.published_from, args.published_to, tuple(args.outlet))


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
        return 0
    print_report(service, service.update(args.corpus, full=args.full, progress=True))
    return 0


def print_report(service: RagService, report: UpdateReport) -> None:
    """What an update did: why it rebuilt, each skipped file and why, then the summary."""
    if report.full_reason:
        print(f"Full rebuild: {report.full_reason}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"skipped {skipped['doc_id']}: {skipped['reason']}", file=sys.stderr)
    print(report.summary())
    print(
        f"Index {report.generation}: {len(report.documents):,} documents, "
        f"{report.chunks:,} chunks -> {service.home.label}"
    )


def _query(args: argparse.Namespace, settings: Settings) -> int:
    service = RagService(settings)
    service.open()
    result = service.query(args.question, args.top_k, args.mode, _filters(args))
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(result))
    return 0


def _answer(args: argparse.Namespace, settings: Settings) -> int:
    service = RagService(settings)
    service.open()
    if args.stream and not args.json:
        for item in service.stream_answer(
            args.question, args.top_k, args.generator, filters=_filters(args)
        ):
            if isinstance(item, str):
                print(item, end="", flush=True)
            else:
                print("\n\n" + render_citations(item))
        return 0
    result = service.answer(args.question, args.top_k, args.generator, filters=_filters(args))
    if args.cite:
        print(export(result, args.cite))
    elif args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{result.answer}\n\n{render_citations(result)}")
    return 0


def render_citations(result: Answer) -> str:
    """Cited passages as sources; the rest set apart, so nobody takes them for support."""

    def line(p: Passage) -> str:
        return f"[{p.rank}] {p.doc_id} chars {p.start}-{p.end}: {p.title or '(untitled)'}"

    passages = result.citations.passages
    cited = set(result.cited)
    if result.answerable:
        lines = ["Sources:", *(line(p) for p in passages if p.rank in cited)]
        rest = [line(p) for p in passages if p.rank not in cited]
        if rest:
            lines += ["", "Also retrieved (not cited):", *rest]
    else:
        lines = [
            f"Closest passages (relevance {result.citations.relevance:.3f}, not enough to answer):"
        ]
        lines += [line(p) for p in passages]
    lines += ["", verdict_line(result.citations)]
    if result.dropped_citations:
        lines.append(f"(removed markers with no passage: {result.dropped_citations})")
    return "\n".join([*lines, f"(generator: {result.generator})"])


def render(result: Retrieval) -> str:
    """Human-readable passages: where each comes from, then its text."""
    lines = []
    for p in result.passages:
        lines.append(f"[{p.rank}] {p.doc_id}  chars {p.start}-{p.end}  score {p.score:.4f}")
        lines.append(f"    {p.title or '(untitled)'}")
        where = ", ".join(x for x in (p.outlet, p.published, p.author) if x)
        pages = f"pages {p.pages[0]}-{p.pages[1]}" if p.pages else ""
        if where or pages:
            lines.append(f"    {', '.join(x for x in (where, pages) if x)}")
        for copy in p.also_in:
            lines.append(
                f"    also in {copy['doc_id']} ({copy['outlet'] or copy['title'] or 'copy'})"
            )
        body = " ".join(p.text.split())
        lines += textwrap.wrap(
            textwrap.shorten(body, 600), 96, initial_indent="    ", subsequent_indent="    "
        )
        for start, end in p.highlights[:1]:
            best = " ".join(p.text[start - p.start : end - p.start].split())
            lines += textwrap.wrap(
                f"look at chars {start}-{end}: {textwrap.shorten(best, 300)}",
                96,
                initial_indent="    > ",
                subsequent_indent="      ",
            )
        lines.append("")
    if result.notice and not result.passages:
        lines.append(result.notice)
        return "\n".join(lines)
    verdict = "yes" if result.answerable else "no - the articles may not cover this"
    lines.append(f"answerable: {verdict} (relevance {result.relevance:.3f})")
    lines.append(verdict_line(result))
    if result.notice:
        lines.append(result.notice)
    return "\n".join(lines)


def verdict_line(result: Retrieval) -> str:
    """Confidence in words, the reason, and each key term found or missing."""
    terms = " ".join(f"{'+' if c.found else '-'}‘{c.term}’" for c in result.coverage)
    judged = "" if result.judge == "signals" else f" (judged by {result.judge})"
    return f"{result.support}{judged}: {result.reason}" + (f"\nterms: {terms}" if terms else "")


if __name__ == "__main__":
    sys.exit(main())
