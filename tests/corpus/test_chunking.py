"""Chunks of the real seed index: exact spans, within both token windows, on sentence edges."""

import pytest

from rag.corpus.articles import Article, Span, split_articles
from rag.corpus.chunking import chunk_article, count_tokens, sentence_spans
from rag.index import indexed_text
from rag.service import RagService
from tests.conftest import SEEDS, read_exact


def test_every_chunk_is_an_exact_span(seed_service: RagService) -> None:
    texts = {p.name: read_exact(p) for p in SEEDS.glob("*.txt")}
    chunks = seed_service.index.chunks
    assert {c.doc_id for c in chunks} == set(texts)
    for chunk in chunks:
        assert texts[chunk.doc_id][chunk.start : chunk.end] == chunk.text


def test_chunks_fit_tiktoken_budget_and_model_window(seed_service: RagService) -> None:
    settings, embedder = seed_service.settings, seed_service.embedder
    for chunk in seed_service.index.chunks:
        assert count_tokens(chunk.text) <= settings.chunk_tokens
        embedded = indexed_text(chunk, settings.embed_titles)
        assert embedder.token_counts([embedded])[0] <= embedder.max_tokens == 256


def test_no_chunk_crosses_an_article_or_holds_boilerplate(seed_service: RagService) -> None:
    for path in SEEDS.glob("*.txt"):
        text = read_exact(path)
        layout = split_articles(text)
        for chunk in (c for c in seed_service.index.chunks if c.doc_id == path.name):
            owners = [a for a in layout.articles if a.start <= chunk.start and chunk.end <= a.end]
            assert len(owners) == 1 and owners[0].title == chunk.title
            for spam in layout.boilerplate:
                assert chunk.end <= spam.start or spam.end <= chunk.start


def test_chunks_end_on_sentence_or_line_edges(seed_service: RagService) -> None:
    texts = {p.name: read_exact(p) for p in SEEDS.glob("*.txt")}
    for chunk in seed_service.index.chunks:
        after = texts[chunk.doc_id][chunk.end : chunk.end + 1]
        assert after in ("", "\n", "\r") or chunk.text.rstrip("\"'”’»)]")[-1] in ".!?…", chunk.text[
            -60:
        ]


def test_overlap_repeats_trailing_sentences() -> None:
    text = " ".join(f"Sentence number {i} reports one more fact about the port." for i in range(40))
    article = Article("T", 0, len(text), (Span(0, len(text)),))
    chunks = chunk_article(text, "d", article, max_tokens=60, overlap=20)
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.start < b.start < a.end  # overlapping, always moving forward
    assert chunks[-1].end == len(text)


def test_a_sentence_longer_than_the_budget_is_split_on_words() -> None:
    text = "word " * 400 + "end."
    article = Article(None, 0, len(text), (Span(0, len(text)),))
    chunks = chunk_article(text, "d", article, max_tokens=50, overlap=0)
    assert all(count_tokens(c.text) <= 50 for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. House voted. Sen. Smith objected!",
            ["The U.S. House voted.", "Sen. Smith objected!"],
        ),
        (
            "“It is over,” he said. Next line\nanother",
            ["“It is over,” he said.", "Next line", "another"],
        ),
    ],
)
def test_sentence_spans(text: str, expected: list[str]) -> None:
    assert [text[s.start : s.end] for s in sentence_spans(text, Span(0, len(text)))] == expected
