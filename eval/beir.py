"""Run a BEIR-format dataset (corpus.jsonl, queries.jsonl, qrels/*.tsv) through our indexing and retrieval."""

import gzip
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from eval import metrics
from rag.config import Settings
from rag.corpus.articles import Article, Layout, Span
from rag.corpus.documents import Corpus, Document
from rag.errors import RagError
from rag.index import FORMAT_VERSION, index_exists, load_index, update_index
from rag.query import Query, SearchMode
from rag.retrieval.retriever import Retrieval, Retriever
from rag.service import RagService


@dataclass(frozen=True)
class BeirData:
    documents: list[Document]
    titles: dict[str, str]
    queries: dict[str, str]
    qrels: dict[str, dict[str, float]]
    fingerprint: str
    folder: Path


def _open(folder: Path, stem: str) -> IO[str]:
    for name, opener in ((f"{stem}.jsonl", open), (f"{stem}.jsonl.gz", gzip.open)):
        if (folder / name).is_file():
            return opener(folder / name, "rt", encoding="utf-8")  # type: ignore[operator,no-any-return]
    raise RagError(f"{folder} has no {stem}.jsonl or {stem}.jsonl.gz: is it a BEIR dataset folder?")


def _records(folder: Path, stem: str, progress: bool) -> Iterator[dict[str, Any]]:
    with _open(folder, stem) as fh:
        for line in tqdm(fh, desc=f"Reading {stem}", unit=" rows", disable=not progress):
            if line.strip():
                yield json.loads(line)


def load_beir(folder: Path, split: str, progress: bool = True) -> BeirData:
    """Load corpus, queries and one split's qrels; only queries with judgements are kept."""
    folder = Path(folder)
    qrels_path = folder / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        raise RagError(f"No qrels for split {split!r}: expected {qrels_path}")
    qrels: dict[str, dict[str, float]] = {}
    for line in qrels_path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            qid, did, score = line.split("\t")[:3]
            qrels.setdefault(qid, {})[did] = float(score)
    digest = hashlib.sha256()
    documents, titles = [], {}
    for rec in _records(folder, "corpus", progress):
        text = rec.get("text") or ""
        if not text.strip():
            continue
        raw = text.encode("utf-8")
        digest.update(raw)
        documents.append(
            Document(rec["_id"], folder / rec["_id"], text, hashlib.sha256(raw).hexdigest())
        )
        titles[rec["_id"]] = rec.get("title") or ""
    queries = {
        r["_id"]: r["text"] for r in _records(folder, "queries", progress) if r["_id"] in qrels
    }
    return BeirData(documents, titles, queries, qrels, digest.hexdigest()[:16], folder)


def _layout(titles: dict[str, str]) -> Any:
    def layout_of(doc: Document) -> Layout:
        article = Article(
            titles.get(doc.doc_id) or None, 0, len(doc.text), (Span(0, len(doc.text)),)
        )
        return Layout((article,), ())

    return layout_of


def cache_dir(data: BeirData, settings: Settings, root: Path) -> Path:
    """One cached index per dataset content and the settings that shape the index."""
    key = json.dumps(
        [
            FORMAT_VERSION,
            data.fingerprint,
            settings.model,
            settings.chunk_tokens,
            settings.chunk_overlap,
            settings.embed_titles,
        ]
    )
    return root / f"beir-{data.fingerprint}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def beir_retriever(
    data: BeirData, settings: Settings, cache_root: Path, progress: bool = True
) -> Callable[..., list[Retrieval]]:
    """A search function over the dataset's cached index (built on first use)."""
    index_dir = cache_dir(data, settings, cache_root)
    service = RagService(settings.model_copy(update={"index_dir": index_dir}))
    if not index_exists(index_dir):
        update_index(
            index_dir,
            lambda: Corpus(data.folder, tuple(data.documents), ()),
            service.settings,
            service.embedder,
            layout_of=_layout(data.titles),
            progress=progress,
        )
    index = load_index(index_dir, service.settings, service.embedder)
    retriever = Retriever(index, service.embedder, service.settings)

    def search(
        questions: Sequence[str], k: int = 10, mode: SearchMode | None = None, bar: bool = True
    ) -> list[Retrieval]:
        out: list[Retrieval] = []
        for start in tqdm(
            range(0, len(questions), 64),
            desc="Querying",
            unit=" batch",
            disable=not (progress and bar),
        ):
            batch = questions[start : start + 64]
            out += retriever.search([Query(q, k, mode or settings.mode) for q in batch])
        return out

    return search


def run_beir(
    folder: Path,
    split: str,
    settings: Settings,
    cache_root: Path,
    mode: SearchMode | None = None,
    progress: bool = True,
    rivals: Sequence[SearchMode] = (),
) -> dict[str, Any]:
    """Document-level nDCG@10, recall@100 and MRR@10, comparable with published BEIR numbers;
    `rivals`: other rankers whose nDCG@10 to report too, over the same loaded index."""
    data = load_beir(folder, split, progress)
    search = beir_retriever(data, settings, cache_root, progress)
    mode = mode or settings.mode
    qids = list(data.queries)
    questions = [data.queries[q] for q in qids]
    rows = _rows(data, qids, search(questions, 300, mode))
    names = ("ndcg@10", "recall@100", "mrr@10")
    summary: dict[str, float] = {m: metrics.mean([float(r[m]) for r in rows]) for m in names}
    summary["queries"] = len(rows)
    return {
        "summary": summary,
        "rows": rows,
        "split": split,
        "mode": mode,
        "index": str(cache_dir(data, settings, cache_root)),
        "rivals": {
            rival: metrics.mean(
                [r["ndcg@10"] for r in _rows(data, qids, search(questions, 300, rival, bar=False))]
            )
            for rival in rivals
        },
    }


def _rows(
    data: BeirData, qids: Sequence[str], results: Sequence[Retrieval]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for qid, result in zip(qids, results, strict=True):
        ranking = metrics.dedupe([p.doc_id for p in result.passages])
        rel = data.qrels[qid]
        rows.append(
            {
                "id": qid,
                "ndcg@10": metrics.ndcg_at(ranking, rel, 10),
                "recall@100": metrics.recall_at(ranking, rel, 100),
                "mrr@10": metrics.mrr_at(ranking, rel, 10),
            }
        )
    return rows
