"""What several commands share: the opened service, the filter flags, and how results are shown."""

import argparse
import sys
import textwrap
from datetime import date

from rag.config import Settings
from rag.generation.answering import Answer
from rag.generation.claims import summarise
from rag.index import UpdateReport
from rag.query import Filters
from rag.retrieval.retriever import Passage, Retrieval
from rag.service import RagService


def opened(settings: Settings) -> RagService:
    """The service over the configured index, loaded (a missing index says how to build one)."""
    service = RagService(settings)
    service.open()
    return service


def filter_flags(p: argparse.ArgumentParser) -> None:
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


def filters_of(args: argparse.Namespace) -> Filters:
    return Filters(tuple(args.doc_id), args.published_from, args.published_to, tuple(args.outlet))


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
    lines += ["", verdict_line(result.citations), *claim_lines(result)]
    lines += disagreement_lines(result)
    if result.dropped_citations:
        lines.append(f"(removed markers with no passage: {result.dropped_citations})")
    return "\n".join([*lines, f"(generator: {result.generator})"])


def disagreement_lines(result: Answer) -> list[str]:
    """Each disagreement's sides, oldest first, with outlet, date and where the quote stands."""
    lines = []
    for d in result.disagreements:
        lines.append(f"Sources disagree on {d.about}:")
        for s in d.sides:
            update = " (a later report)" if s.later else ""
            lines.append(
                f"  [{s.citation}] {s.outlet or s.doc_id}, {s.published or 'undated'}{update}: "
                f"“{textwrap.shorten(s.quote, 160)}” ({s.doc_id} chars {s.start}-{s.end})"
            )
    return lines


def claim_lines(result: Answer) -> list[str]:
    """How the answer's sentences fared against their citations; each one that failed, and why."""
    if not result.claims:
        return []
    summary = summarise(result.claims, result.dropped_claims)
    total = summary["supported"] + summary["unsupported"] + summary["uncited"]
    lines = [
        f"answer check: {summary['supported']} of {total} sentence{'s' * (total != 1)} supported "
        "by the passages they cite"
    ]
    if summary["dropped"]:
        lines[0] += f"; {summary['dropped']} unsupported removed (RAG_DROP_UNSUPPORTED)"
    for c in result.claims:
        if c.supported is not True:
            mark = "uncited" if c.supported == "uncited" else "NOT SUPPORTED"
            lines.append(f"  {mark}: “{textwrap.shorten(c.text, 160)}” — {'; '.join(c.problems)}")
    return lines


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
    """The search's verdict (how well the passages cover the question: not a check of the
    written answer), the reason, and each key term found or missing."""
    terms = " ".join(f"{'+' if c.found else '-'}‘{c.term}’" for c in result.coverage)
    judged = "" if result.judge == "signals" else f" (judged by {result.judge})"
    return f"search: {result.support}{judged}: {result.reason}" + (
        f"\nterms: {terms}" if terms else ""
    )
