"""Build the reader: `python -m eval.reader train|export|measure` (`make reader` runs all three).

train    build the pairs from RAG_DATA_DIR (../shared/data) and train, resuming
         from the work folder's checkpoint when there is one
export   int8 ONNX of the trained weights into rag/judging/reader_model
measure  choose the operating point on tuning data, write it into the manifest, and report
         the held-out figures (printed, and as JSON in eval/results/reader.json)
"""

import argparse
from collections.abc import Sequence
from pathlib import Path

from eval.reader.measure import report
from rag.config import Settings
from rag.judging.reading import BUNDLED


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m eval.reader", description=__doc__.splitlines()[0])
    p.add_argument("step", choices=("train", "export", "measure"))
    p.add_argument("--data", type=Path, default=Settings().data_dir, help="RAG_DATA_DIR")
    p.add_argument("--work", type=Path, default=Path(".cache/reader"), help="checkpoints")
    p.add_argument("--out", type=Path, default=BUNDLED, help="where the shipped model goes")
    p.add_argument("--epochs", type=float, default=0.45, help="passes over the pairs")
    p.add_argument("--minutes", type=float, default=float("inf"), help="stop (resumably) after")
    p.add_argument("--stop-at", type=int, default=None, help="stop at this step of the schedule")
    p.add_argument("--cache", type=Path, default=Path(".cache"), help="the news index's folder")
    args = p.parse_args(argv)
    if not (args.data / "squad").is_dir():
        p.error(f"no public data in {args.data} (expected squad/, nli/, ...): pass --data")
    if args.step == "train":
        from eval.reader.pairs import build
        from eval.reader.train import train

        pairs = build(args.data)
        print(f"{len(pairs)} training pairs")
        train(pairs, args.work, epochs=args.epochs, minutes=args.minutes, stop_at=args.stop_at)
    elif args.step == "export":
        from eval.reader.export import export

        export(args.work / "weights", args.out)
        print(f"wrote {args.out}")
    else:
        report(args.data, args.out, args.cache)


if __name__ == "__main__":
    main()
