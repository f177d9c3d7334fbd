"""The `rag` command: the command-line edge, where Settings are built. Its own commands live here;
other packages add theirs under the entry-point group `newsrag.commands` (`serve` from api,
`eval` from eval), since the library imports neither of those packages."""

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from pydantic import ValidationError

from rag.cli import asking, generators, workbench
from rag.cli.render import print_report
from rag.config import Settings
from rag.errors import RagError

COMMANDS = "newsrag.commands"
__all__ = ["main", "print_report", "quiet_libraries"]


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


HELP = """\
Ask questions of a folder of news articles; every answer cites the exact passages it comes from.

  rag index ~/my-articles       read the folder (again: only what changed)
  rag answer "Who ...?"         a cited answer, or why the articles do not cover it
  rag serve                     the HTTP API and the newsroom page on http://127.0.0.1:8000

Settings are RAG_* environment variables (RAG_CORPUS_DIR, RAG_INDEX_DIR, ...; see README.md).
`rag COMMAND --help` tells more of each command.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(metavar="COMMAND")
    asking.register(sub)
    generators.register(sub)
    workbench.register(sub)
    for command in entry_points(group=COMMANDS):  # `serve` from api, `eval` from eval
        command.load()(sub)
    return parser


if __name__ == "__main__":
    sys.exit(main())
