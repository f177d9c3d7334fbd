"""`rag generators`: who can write answers here, and what each one that cannot still needs.
Listing builds each generator without the embedding model (none needs it to say it is ready),
so the command answers at once."""

import argparse
from typing import Any

from rag.config import Settings
from rag.generation.catalog import Generators


def register(sub: Any) -> None:
    p = sub.add_parser(
        "generators",
        help="who can write answers here (quotes, a local or hosted model), and what each needs",
    )
    p.set_defaults(handler=_generators)


def _generators(args: argparse.Namespace, settings: Settings) -> int:
    for g in Generators(settings, lambda: None).listing():
        mark = "ready" if g["available"] else "not ready"
        default = " (default)" if g["default"] else ""
        detail = g.get("model") or g.get("reason") or ""
        print(f"{g['name']:<13} {mark}{default}{f': {detail}' if detail else ''}")
    return 0
