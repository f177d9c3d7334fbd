"""Plain-text tables and JSON files for eval results."""

import json
from pathlib import Path
from typing import Any


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A fixed-width table; floats print with three decimals."""
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, sep, *body])


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def summary_table(summary: dict[str, Any]) -> str:
    return table([{"metric": k, "value": v} for k, v in summary.items()], ["metric", "value"])


def missed_lines(rows: list[dict[str, Any]]) -> str:
    out = []
    for r in rows:
        out.append(
            f"- {r['id']}: {r['question']}  (expected {', '.join(r['expected'])}; "
            f"evidence rank {r.get('evidence_rank')})"
        )
        for got in r["returned"]:
            snippet = " ".join(got["text"].split())[:100]
            out.append(f"    got {got['doc_id']} @{got['start']} [{got['title']}] {snippet}")
    return "\n".join(out)


def write_json(path: Path, data: Any) -> None:
    """Write a report as JSON, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def publish(rows: list[dict[str, Any]], path: Path) -> None:
    """Print rows as a table and keep them as JSON."""
    print(table(rows, list(rows[0])))
    write_json(path, rows)
