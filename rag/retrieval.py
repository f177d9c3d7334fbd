"""Question -> ranked passages: dense and BM25 rankings fused by reciprocal rank, overlaps merged."""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.chunking import Chunk
from rag.config import SearchMode, Settings
from rag.embedding import Embedder
from rag.index import LoadedIndex
from rag.language import language_name, unreadable_language
from rag.rerank import CrossEncoderReranker


@dataclass(frozen=True)
class Passage:
    """A ranked piece of evidence with its exact place in the source file."""

    rank: int
    score: float
    doc_id: str
    path: str
    title: str | None
    start: int
    end: int
    text: str

    def as_dict(self) -> dict[str, Any]:
        source = {
            "doc_id": self.doc_id,
            "path": self.path,
            "title": self.title,
            "start": self.start,
            "end": self.end,
        }
        return {"rank": self.rank, "score": self.score, "text": self.text, "source": source}


@dataclass(frozen=True)
class Retrieval:
    """The passages for one question and how sure we are the corpus covers it."""

    question: str
    passages: tuple[Passage, ...]
    answerable: bool
    relevance: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON body shared by `POST /query` and `rag query --json`."""
        return {
            "question": self.question,
            "passages": [p.as_dict() for p in self.passages],
            "answerable": self.answerable,
            "relevance": self.relevance,
            "notice": self.notice,
            "timings_ms": self.timings_ms,
        }


@dataclass(frozen=True)
class Query:
    """One question with its options, the unit that concurrent callers batch together."""

    question: str
    top_k: int
    mode: SearchMode


@dataclass
class _Hit:
    row: int
    score: float
    start: int
    end: int
    text: str


def rrf(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int
) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: rows by the sum of weight / (k + rank) over the rankings holding them."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


class Retriever:
    """Ranks the chunks of one loaded index for batches of questions."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.reranker = CrossEncoderReranker(settings.reranker) if settings.reranker else None
        configured = frozenset(code.lower() for code in settings.model_languages)
        self.languages = configured or embedder.languages

    def search(self, queries: Sequence[Query]) -> list[Retrieval]:
        """Embed all questions in one model pass, then rank each; timings are per batch."""
        t0 = time.perf_counter()
        vectors = self.embedder.embed_queries([q.question for q in queries])
        t1 = time.perf_counter()
        depth = max(self.settings.candidates, *(q.top_k for q in queries))
        scores, rows = self.index.store.search(vectors, depth)
        out = []
        for i, q in enumerate(queries):
            dense = [(int(r), float(s)) for r, s in zip(rows[i], scores[i], strict=True) if r >= 0]
            hits = self._rank(q.question, dense, depth, q.mode)
            if self.reranker is not None:
                hits = self._rerank(q.question, hits)
            if self.settings.mmr_lambda is not None:
                hits = self._diversify(hits, q.top_k)
            relevance = dense[0][1] if dense else 0.0
            out.append(self._result(q.question, hits[: q.top_k], relevance))
        t2 = time.perf_counter()
        timings = {"embed": (t1 - t0) * 1e3, "search": (t2 - t1) * 1e3, "total": (t2 - t0) * 1e3}
        return [replace(r, timings_ms={k: round(v, 2) for k, v in timings.items()}) for r in out]

    def _rank(
        self, question: str, dense: list[tuple[int, float]], depth: int, mode: SearchMode
    ) -> list[_Hit]:
        if mode == "dense":
            ranked = dense
        else:
            lex_scores, lex_rows = self.index.lexical.search(question, depth)
            lexical = [(int(r), float(s)) for r, s in zip(lex_rows, lex_scores, strict=True)]
            if mode == "lexical":
                ranked = lexical
            else:
                s = self.settings
                ranked = rrf(
                    [[r for r, _ in dense], [r for r, _ in lexical]],
                    [s.dense_weight, s.lexical_weight],
                    s.rrf_k,
                )
        hits = [self._hit(row, score) for row, score in ranked]
        return _merge_overlaps(hits, self.index.chunks) if self.settings.merge_overlaps else hits

    def _rerank(self, question: str, hits: list[_Hit]) -> list[_Hit]:
        """Re-order the first `rerank_depth` hits by cross-encoder score; the rest keep their order."""
        head, tail = hits[: self.settings.rerank_depth], hits[self.settings.rerank_depth :]
        assert self.reranker is not None
        scores = self.reranker.scores(question, [h.text for h in head])
        for hit, score in zip(head, scores, strict=True):
            hit.score = score
        return sorted(head, key=lambda h: -h.score) + tail

    def _diversify(self, hits: list[_Hit], top_k: int) -> list[_Hit]:
        """Maximal marginal relevance over the first-stage order: relevance is the min-max scaled
        fused score, redundancy the highest cosine to a passage already picked."""
        pool = hits[: 3 * top_k]
        if len(pool) < 2:
            return hits
        vecs = self.index.store.vectors([h.row for h in pool])
        raw = np.array([h.score for h in pool], dtype=np.float32)
        relevance = (raw - raw.min()) / ((raw.max() - raw.min()) or 1.0)
        lam = self.settings.mmr_lambda or 0.0
        chosen: list[int] = []
        while len(chosen) < min(top_k, len(pool)):
            redundancy = (vecs @ vecs[chosen].T).max(axis=1) if chosen else np.zeros(len(pool))
            gain = lam * relevance - (1 - lam) * redundancy
            gain[chosen] = -np.inf
            chosen.append(int(np.argmax(gain)))
        return [pool[i] for i in chosen] + [h for i, h in enumerate(pool) if i not in chosen]

    def _hit(self, row: int, score: float) -> _Hit:
        chunk = self.index.chunks[row]
        return _Hit(row, score, chunk.start, chunk.end, chunk.text)

    def _result(self, question: str, hits: list[_Hit], relevance: float) -> Retrieval:
        root = self.index.corpus_root
        passages = tuple(
            Passage(
                rank=rank,
                score=round(hit.score, 6),
                doc_id=(chunk := self.index.chunks[hit.row]).doc_id,
                path=str(root / chunk.doc_id),
                title=chunk.title,
                start=hit.start,
                end=hit.end,
                text=hit.text,
            )
            for rank, hit in enumerate(hits, start=1)
        )
        answerable = bool(passages) and relevance >= self.settings.answerable_threshold
        notice = self._language_notice(question)
        return Retrieval(
            question, passages, answerable and notice is None, round(relevance, 6), notice=notice
        )

    def _language_notice(self, question: str) -> str | None:
        """Why the passages cannot be trusted when the model does not read the question's language."""
        code = unreadable_language(question, self.languages)
        if code is None:
            return None
        readable = ", ".join(language_name(c) for c in sorted(self.languages or ()))
        return (
            f"The question looks like {language_name(code)}, but the embedding model "
            f"{self.embedder.model_id!r} reads only {readable}, so these passages cannot be "
            "trusted: ask in a language it reads, or configure a model that reads this one "
            "(RAG_MODEL, RAG_MODEL_LANGUAGES)."
        )


def _merge_overlaps(hits: list[_Hit], chunks: Sequence[Chunk]) -> list[_Hit]:
    """Fold a lower-ranked chunk into a higher-ranked one of the same file when their spans overlap."""
    kept: list[_Hit] = []
    for hit in hits:
        doc = chunks[hit.row].doc_id
        for best in kept:
            if chunks[best.row].doc_id == doc and hit.start < best.end and best.start < hit.end:
                _absorb(best, hit)
                break
        else:
            kept.append(hit)
    return kept


def _absorb(best: _Hit, other: _Hit) -> None:
    """Grow `best` to the union of both spans; both texts are slices of one file, so they splice."""
    if other.start < best.start:
        best.text = other.text[: best.start - other.start] + best.text
        best.start = other.start
    if other.end > best.end:
        best.text = best.text + other.text[len(other.text) - (other.end - best.end) :]
        best.end = other.end
