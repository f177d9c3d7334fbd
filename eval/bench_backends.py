"""Embedding backends side by side: torch, ONNX Runtime fp32 and int8, on the same texts.

python -m eval.bench_backends [--docs 512] [--queries 320] [--index-docs 300]
                              [--json eval/results/bench_backends.json]

Documents are SciFact abstracts cut to the index's chunk size (the chunks `rag index` embeds),
questions are SciFact queries. Per backend, in one run and interleaved over three rounds (the
best round counts, as these machines are noisy): document chunks/s through the embedder, and
questions/s batched by 32 and one at a time; plus how close its vectors are to torch's. Then,
per backend, a whole index build over SciFact abstracts written as files (chunking, embedding,
BM25, MinHash, writing; the model already loaded) against the raw encoder on the very chunk
texts that build embedded.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval.report import publish
from rag import registry
from rag.config import Settings

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "scifact"
BACKENDS = ("torch", "onnx", "onnx-int8")


def texts(docs: int, queries: int) -> tuple[list[str], list[str]]:
    from rag.corpus.chunking import count_tokens

    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as fh:
        abstracts = [json.loads(line)["text"] for line, _ in zip(fh, range(docs), strict=False)]
    chunks = []
    for text in abstracts:  # ~160-token pieces, as the chunker makes them
        words, piece = text.split(), []
        for word in words:
            piece.append(word)
            if count_tokens(" ".join(piece)) >= 160:
                chunks.append(" ".join(piece))
                piece = []
        if piece:
            chunks.append(" ".join(piece))
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as fh:
        asked = [json.loads(line)["text"] for line, _ in zip(fh, range(queries), strict=False)]
    return chunks[:docs], asked


def rates(embedder: Any, chunks: list[str], questions: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    embedder.embed_documents(chunks)
    docs = len(chunks) / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(0, len(questions), 32):
        embedder.embed_queries(questions[i : i + 32])
    batched = len(questions) / (time.perf_counter() - started)
    started = time.perf_counter()
    for q in questions[:100]:
        embedder.embed_queries([q])
    single = 100 / (time.perf_counter() - started)
    return {
        "chunks_per_s": docs,
        "questions_per_s_batched": batched,
        "questions_per_s_single": single,
    }


def index_vs_encoder(embedder: Any, backend: str, docs: int, cache: Path) -> dict[str, float]:
    """Chunks/s of a whole `rag index` build, and of the encoder alone on its chunks."""
    from rag.index import indexed_text, load_index
    from rag.service import RagService

    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as fh:
        records = [json.loads(line) for line, _ in zip(fh, range(docs), strict=False)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for r in records:
            (corpus / f"{r['_id']}.txt").write_text(f"{r['title']}\n\n{r['text']}\n")
        settings = Settings(
            corpus_dir=corpus,
            index_dir=Path(tmp) / "index",
            embed_backend=backend,
            model_cache_dir=cache,
        )
        service = RagService(settings)
        service._embedder = embedder  # the loaded model: model loading is not indexing
        started = time.perf_counter()
        report = service.update(progress=False)
        build = time.perf_counter() - started
        index = load_index(settings.index_dir, settings, embedder)
        texts = [indexed_text(c, settings.embed_titles) for c in index.chunks]
        started = time.perf_counter()
        embedder.embed_documents(texts)
        encode = time.perf_counter() - started
    return {
        "index_chunks_per_s": report.chunks / build,
        "encoder_chunks_per_s": len(texts) / encode,
        "index_vs_encoder": encode / build,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=512)
    parser.add_argument("--queries", type=int, default=320)
    parser.add_argument("--index-docs", type=int, default=300)
    parser.add_argument("--cache", type=Path, default=Path(".cache/models"))
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_backends.json"))
    args = parser.parse_args()
    chunks, questions = texts(args.docs, args.queries)
    embedders = {
        b: registry.resolve("embedder", "sentence-transformers")(
            Settings(embed_backend=b, model_cache_dir=args.cache)
        )
        for b in BACKENDS
    }
    reference = embedders["torch"].embed_documents(chunks[:64])
    best: dict[str, dict[str, float]] = {}
    for _ in range(3):
        for name, embedder in embedders.items():
            found = rates(embedder, chunks, questions)
            mine = best.setdefault(name, found)
            for key, value in found.items():
                mine[key] = max(mine[key], value)
    rows = []
    for name, embedder in embedders.items():
        cosine = (embedder.embed_documents(chunks[:64]) * reference).sum(axis=1)
        rows.append(
            {
                "backend": name,
                **{k: round(v, 1) for k, v in best[name].items()},
                "vs_torch_chunks": round(
                    best[name]["chunks_per_s"] / best["torch"]["chunks_per_s"], 2
                ),
                "vs_torch_single": round(
                    best[name]["questions_per_s_single"] / best["torch"]["questions_per_s_single"],
                    2,
                ),
                "cosine_to_torch_min": round(float(cosine.min()), 4),
                "cosine_to_torch_mean": round(float(np.mean(cosine)), 4),
                **{
                    k: round(v, 2)
                    for k, v in index_vs_encoder(
                        embedder, name, args.index_docs, args.cache
                    ).items()
                },
            }
        )
    publish(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
