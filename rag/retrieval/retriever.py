"""Question -> ranked passages: dense and BM25 rankings fused by reciprocal rank, overlaps merged."""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rag.config import Settings
from rag.embedding.embedder import Embedder
from rag.embedding.language import detect, language_name, unreadable_language
from rag.index import ArticleInfo, LoadedIndex
from rag.query import Query, SearchMode
from rag.retrieval.abstention import TOP_PASSAGES, AbstentionModel, signals
from rag.retrieval.coverage import Coverage, Support, coverage, reason, support
from rag.retrieval.evidence import first_passage, gather
from rag.retrieval.filters import row_mask, why_nothing_matches
from rag.retrieval.fusion import question_weights, rrf
from rag.retrieval.highlights import highlights
from rag.retrieval.named import named_in_metadata, without
from rag.retrieval.overlaps import Hit, merge_overlaps
from rag.retrieval.rerank import CrossEncoderReranker
from rag.stores.base import Ranked, RankingEngine
from rag.stores.lexical import tokenize


@dataclass(frozen=True)
class Passage:
    """A ranked piece of evidence with its exact place in its document's text view."""

    rank: int
    score: float
    doc_id: str
    path: str
    title: str | None
    start: int
    end: int
    text: str
    format: str = "text"
    published: str | None = None
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    pages: tuple[int, int] | None = None
    also_in: tuple[dict[str, Any], ...] = ()
    highlights: tuple[tuple[int, int], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        source = {
            "doc_id": self.doc_id,
            "path": self.path,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "format": self.format,
            "published": self.published,
            "author": self.author,
            "outlet": self.outlet,
            "url": self.url,
            "page_start": self.pages[0] if self.pages else None,
            "page_end": self.pages[1] if self.pages else None,
            "also_in": list(self.also_in),
        }
        return {
            "rank": self.rank,
            "score": self.score,
            "text": self.text,
            "highlights": [{"start": s, "end": e} for s, e in self.highlights],
            "source": source,
        }


@dataclass(frozen=True)
class Retrieval:
    """The passages for one question and how sure we are the corpus covers it."""

    question: str
    passages: tuple[Passage, ...]
    answerable: bool
    relevance: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    signals: dict[str, float] = field(default_factory=dict)
    coverage: tuple[Coverage, ...] = ()
    support: Support = "not covered"
    reason: str = ""
    judge: str = "signals"
    asked: str | None = None  # the reader's words, when `question` is a follow-up made standalone
    judged_as: str | None = None  # see Query.judged_as

    @property
    def reading(self) -> str:
        """The words the passages were judged on, and an answer is written to."""
        return self.judged_as or self.question

    def as_dict(self) -> dict[str, Any]:
        """The JSON body shared by `POST /query` and `rag query --json`."""
        return {
            "question": self.asked or self.question,
            "searched_as": self.question,
            "passages": [p.as_dict() for p in self.passages],
            "answerable": self.answerable,
            "support": self.support,
            "reason": self.reason,
            "judge": self.judge,
            "coverage": [c.as_dict() for c in self.coverage],
            "relevance": self.relevance,
            "notice": self.notice,
            "timings_ms": self.timings_ms,
        }


class Retriever:
    """Ranks the chunks of one loaded index for batches of questions."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        # a runtime Protocol check is slow: made once per index generation, not per question
        self.engine = index.store if isinstance(index.store, RankingEngine) else None
        self.embedder = embedder
        self.settings = settings
        self.reranker = CrossEncoderReranker(settings.reranker) if settings.reranker else None
        configured = frozenset(code.lower() for code in settings.model_languages)
        self.languages = configured or embedder.languages
        self.abstention = AbstentionModel.load(settings.abstention_model)
        detect("news")  # load the language model now, not on the first question (0.4 s)
        given = settings.answerable_threshold
        self.threshold = self.abstention.threshold if given is None else given

    def search(
        self,
        queries: Sequence[Query],
        vectors: NDArray[np.float32] | None = None,
        embed_s: float = 0.0,
    ) -> list[Retrieval]:
        """Embed all questions in one model pass (unless their `vectors` come embedded, which
        took `embed_s`), then rank each; timings are per batch."""
        if vectors is None:
            started = time.perf_counter()
            vectors = self.embedder.embed_queries([q.question for q in queries])
            embed_s = time.perf_counter() - started
        started = time.perf_counter()
        depth = max(self.settings.candidates, *(q.top_k for q in queries))
        out = []
        for i, (dense, ranked) in enumerate(self._candidates(queries, vectors, depth)):
            q = queries[i]
            hits = [self._hit(row, score) for row, score in ranked]
            if self.settings.merge_overlaps:
                hits = merge_overlaps(hits, self.index.chunks, self.settings.merge_max_chars)
            if self.reranker is not None:
                hits = self._rerank(q.question, hits)
            if self.settings.group_copies:
                hits = self._fold_copies(hits)
            if self.settings.mmr_lambda is not None:
                hits = self._diversify(hits, q.top_k)
            out.append(self._result(q, hits[: q.top_k], dense, ranked))
        search_s = time.perf_counter() - started
        timings = {
            "embed": embed_s * 1e3,
            "search": search_s * 1e3,
            "total": (embed_s + search_s) * 1e3,
        }
        return [replace(r, timings_ms={k: round(v, 2) for k, v in timings.items()}) for r in out]

    def _candidates(
        self, queries: Sequence[Query], vectors: NDArray[np.float32], depth: int
    ) -> list[tuple[Ranked, Ranked]]:
        """Per question: the dense ranking (for relevance) and the ranking its mode asks for."""
        store = self.index.store
        if self.engine is not None:
            s = self.settings
            return [
                self.engine.rank(
                    q.question,
                    vectors[i],
                    depth,
                    q.mode,
                    q.filters,
                    s.rrf_k,
                    self._weights(q.question),
                )
                for i, q in enumerate(queries)
            ]
        masks = [row_mask(self.index, q.filters) if q.filters else None for q in queries]
        scores, rows = store.search(vectors, depth)
        out = []
        for i, q in enumerate(queries):
            if masks[i] is not None:  # filtered: search again among the allowed rows only
                scores_i, rows_i = store.search(vectors[i : i + 1], depth, masks[i])
                pairs = zip(rows_i[0], scores_i[0], strict=True)
            else:
                pairs = zip(rows[i], scores[i], strict=True)
            dense = [(int(r), float(s)) for r, s in pairs if r >= 0]
            out.append((dense, self._fused(q.question, dense, depth, q.mode, masks[i])))
        return out

    def _fused(
        self,
        question: str,
        dense: Ranked,
        depth: int,
        mode: SearchMode,
        allowed: NDArray[np.bool_] | None,
    ) -> Ranked:
        if mode == "dense" or self.index.lexical is None:
            return dense
        lex_scores, lex_rows = self.index.lexical.search(question, depth, allowed)
        lexical = [(int(r), float(s)) for r, s in zip(lex_rows, lex_scores, strict=True)]
        if mode == "lexical":
            return lexical
        return rrf(
            [[r for r, _ in dense], [r for r, _ in lexical]],
            self._weights(question),
            self.settings.rrf_k,
        )

    def _weights(self, question: str) -> tuple[float, float]:
        s = self.settings
        return question_weights(question, s.dense_weight, s.lexical_weight, s.lexical_lean)

    def _rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        """Re-order the first `rerank_depth` hits by cross-encoder score; the rest keep their order."""
        head, tail = hits[: self.settings.rerank_depth], hits[self.settings.rerank_depth :]
        assert self.reranker is not None
        scores = self.reranker.scores(question, [h.text for h in head])
        for hit, score in zip(head, scores, strict=True):
            hit.score = score
        return sorted(head, key=lambda h: -h.score) + tail

    def _diversify(self, hits: list[Hit], top_k: int) -> list[Hit]:
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

    def _fold_copies(self, hits: list[Hit]) -> list[Hit]:
        """One passage per syndicated story: lower-ranked copies move into its `also_in`."""
        articles, chunks = self.index.articles, self.index.chunks
        kept: dict[str, Hit] = {}
        out = []
        for hit in hits:
            group = articles[hit.row].copies
            if group is None:
                out.append(hit)
            elif group in kept:
                first = kept[group]
                doc_id = chunks[hit.row].doc_id
                if doc_id != chunks[first.row].doc_id and all(
                    a["doc_id"] != doc_id for a in first.also
                ):
                    first.also.append(_copy(doc_id, articles[hit.row], hit.start, hit.end))
            else:
                kept[group] = hit
                out.append(hit)
        for group, hit in kept.items():
            listed = {chunks[hit.row].doc_id, *(a["doc_id"] for a in hit.also)}
            for doc, article in self.index.copies.get(group, []):
                if doc.doc_id not in listed:
                    hit.also.append(_copy(doc.doc_id, article, article.start, article.end))
        return out

    def _hit(self, row: int, score: float) -> Hit:
        chunk = self.index.chunks[row]
        return Hit(row, score, chunk.start, chunk.end, chunk.text)

    def _result(self, query: Query, hits: list[Hit], dense: Ranked, ranked: Ranked) -> Retrieval:
        """The passages, and the abstention model's confidence that they answer the question."""
        question = query.judged_as or query.question
        stems = frozenset(tokenize(question))
        agree = bool(ranked) and ranked[0][0] in {row for row, _ in dense[:3]}
        texts = [h.text for h in hits[:TOP_PASSAGES]]
        named = named_in_metadata(
            question, [self.index.articles[h.row] for h in hits[:TOP_PASSAGES]]
        )
        judged = without(question, named)
        evidence = gather(judged, texts)
        first = first_passage(evidence) if self.settings.evidence_order else 0
        if first:
            hits = [hits[first], *hits[:first], *hits[first + 1 :]]
            texts = [h.text for h in hits[:TOP_PASSAGES]]
            evidence = gather(judged, texts)
        values = signals(judged, [score for _, score in dense[:10]], agree, texts, evidence)
        passages = tuple(self._passage(rank, hit, stems) for rank, hit in enumerate(hits, start=1))
        relevance = self.abstention.confidence(values) if passages else 0.0
        answerable = bool(passages) and relevance >= self.threshold
        notice = self._language_notice(question)
        if not passages and query.filters:
            notice = why_nothing_matches(self.index, query.filters)
        answerable = answerable and notice is None
        return Retrieval(
            query.question,
            passages,
            answerable,
            round(relevance, 6),
            notice=notice,
            signals=values,
            coverage=coverage(evidence, passages)
            + tuple(Coverage(t.text, t.kind, True, None) for t in named),
            support=support(evidence, answerable),
            reason=reason(evidence, answerable, [p.title for p in passages]),
            judged_as=query.judged_as,
        )

    def _passage(self, rank: int, hit: Hit, stems: frozenset[str]) -> Passage:
        chunk, article = self.index.chunks[hit.row], self.index.articles[hit.row]
        doc = self.index.by_id[chunk.doc_id]
        return Passage(
            rank=rank,
            score=round(hit.score, 6),
            doc_id=chunk.doc_id,
            path=_full_path(self.index.root_of(doc), doc.file),
            title=chunk.title,
            start=hit.start,
            end=hit.end,
            text=hit.text,
            format=doc.format,
            published=article.published,
            author=article.author,
            outlet=article.outlet,
            url=article.url,
            pages=_pages(doc.pages, hit.start, hit.end),
            also_in=tuple(hit.also),
            highlights=highlights(stems, hit.text, hit.start),
        )

    def _language_notice(self, question: str) -> str | None:
        """Why the passages cannot be trusted when the model does not read the question's language."""
        code = unreadable_language(question, self.languages)
        if code is None:
            return None
        readable = " or ".join(language_name(c) for c in sorted(self.languages or ()))
        return (
            f"This question looks like {language_name(code)}, and the search model reads only "
            f"{readable}, so these passages may not match it: ask in {readable}, or ask the "
            "administrator for a model that reads this language."
        )


@lru_cache(maxsize=8192)
def _full_path(root: Path, file: str) -> str:
    return str(root / file)


def _copy(doc_id: str, article: ArticleInfo, start: int, end: int) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "title": article.title,
        "outlet": article.outlet,
        "start": start,
        "end": end,
    }


def _pages(pages: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The first and last (1-based) PDF page a span touches."""
    touched = [n for n, (s, e) in enumerate(pages, start=1) if s < end and start < e]
    return (touched[0], touched[-1]) if touched else None
