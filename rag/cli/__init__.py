"""`rag index | query | answer | chat | timeline | ask | watch`, plus the commands other packages register under the entry-point
group `newsrag.commands` (`serve` from api, `eval` from eval): the command-line edge, where
Settings are built. The library imports neither of those packages."""

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from pydantic import ValidationError

from rag.cli import asking, workbench
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__)
    sub = parser.add_subparsers(metavar="COMMAND")
    asking.register(sub)
    workbench.register(sub)
    for command in entry_points(group=COMMANDS):  # `serve` from api, `eval` from eval
        command.load()(sub)
    return parser


if __name__ == "__main__":
    sys.exit(main())
