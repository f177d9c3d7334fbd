"""What an incremental update costs against a full build, on SciFact abstracts written out as files.

python -m eval.bench_update [--docs 1000] [--scifact ../shared/benchmarks/scifact]
                            [--pages eval/datasets/news] [--page-copies 10]
                            [--json eval/results/bench_update.json]

All steps run in one process with the model already loaded, so the ratios compare indexing work
alone; the `rag index` line adds what a user also waits for from the shell (start-up, model load).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eval.report import publish
from rag.config import Settings
from rag.corpus import reread
from rag.service import RagService

NEW_ABSTRACT = (
    "Honey bee colony losses and heather pollen\n\nWe followed 120 colonies over three winters and "
    "found that colonies foraging on heather pollen in late summer lost 31% fewer workers, an "
    "effect that held after adjusting for Varroa load and apiary altitude."
)


def write_corpus(scifact: Path, folder: Path, limit: int) -> list[Path]:
    """The first `limit` SciFact abstracts, one file each: title, blank line, abstract."""
    paths = []
    with open(scifact / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if len(paths) == limit:
                break
            record = json.loads(line)
            path = folder / f"{record['_id']}.txt"
            path.write_text(f"{record['title']}\n\n{record['text']}\n", encoding="utf-8")
            paths.append(path)
    return paths


def timed(service: RagService, label: str, full: bool = False) -> dict[str, object]:
    started = time.perf_counter()
    report = service.update(full=full, progress=False)
    seconds = time.perf_counter() - started
    print(f"{label}: {report.summary()}", file=sys.stderr)
    return {"step": label, "seconds": seconds, "embedded_chunks": report.embedded}


def saved_pages_rows(pages: Path, folder: Path, copies: int) -> list[dict[str, object]]:
    """Adding one text file to an archive of saved HTML pages (`copies` of each), with the
    pages parsed again on every update and with unchanged files reused (rag.corpus.reread)."""
    corpus = folder / "pages"
    for n in range(copies):
        shutil.copytree(pages, corpus / f"copy-{n}", ignore=shutil.ignore_patterns("*.md"))
    old = time.time() - 60  # the reuse rule reads files modified in the last 2 s again
    for path in corpus.rglob("*.*"):
        os.utime(path, (old, old))
    service = RagService(Settings(corpus_dir=corpus, index_dir=folder / "pages-index"))
    files = sum(1 for _ in corpus.rglob("*.*"))
    rows = [timed(service, f"full build ({files:,} saved pages and exports)", full=True)]
    kept = reread.LIMIT_CHARS
    for reuse in (False, True):
        reread.LIMIT_CHARS = kept if reuse else -1
        service.update(progress=False)  # the walk before the clock keeps (or not) what it read
        text = NEW_ABSTRACT.replace("120", "160" if reuse else "180")
        (corpus / f"new-{reuse}.txt").write_text(text, encoding="utf-8")
        label = "unchanged files reused" if reuse else "every file parsed again"
        rows.append(timed(service, f"add one file to the saved pages, {label}"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--scifact", type=Path, default=Path("../shared/benchmarks/scifact"))
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_update.json"))
    parser.add_argument("--pages", type=Path, default=Path("eval/datasets/news"))
    parser.add_argument("--page-copies", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        paths = write_corpus(args.scifact, corpus, args.docs)
        service = RagService(Settings(corpus_dir=corpus, index_dir=index))
        service.embedder.embed_queries(["warm up"])  # load the model before any clock starts
        rows = [timed(service, f"full build ({len(paths):,} files)", full=True)]
        (corpus / "new.txt").write_text(NEW_ABSTRACT, encoding="utf-8")
        rows.append(timed(service, "add one file"))
        paths[0].write_text(paths[0].read_text(encoding="utf-8") + " Corrected.\n", "utf-8")
        rows.append(timed(service, "change one file"))
        paths[1].unlink()
        rows.append(timed(service, "delete one file"))
        rows.append(timed(service, "nothing changed"))
        (corpus / "second.txt").write_text(NEW_ABSTRACT.replace("120", "140"), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).with_name("rag")), "index", str(corpus)],
            env={"RAG_INDEX_DIR": str(index), "PATH": ""},
            check=True,
            capture_output=True,
        )
        rows.append(
            {
                "step": "add one file, `rag index` from the shell",
                "seconds": time.perf_counter() - started,
                "embedded_chunks": 1,
            }
        )
        rows += saved_pages_rows(args.pages, Path(tmp), args.page_copies)
    full = 1.0
    for row in rows:
        if str(row["step"]).startswith("full build"):
            full = float(row["seconds"])  # type: ignore[arg-type]
        row["share_of_full_build"] = f"{float(row['seconds']) / full:.2%}"  # type: ignore[arg-type]
        row["seconds"] = round(float(row["seconds"]), 2)  # type: ignore[arg-type]
    publish(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
