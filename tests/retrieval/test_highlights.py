"""Each passage points at the sentences that answer: exact offsets, whole sentences, the evidence."""

import httpx

from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.runner import normalise
from rag.retrieval.highlights import highlights
from rag.service import RagService
from rag.stores.lexical import tokenize

ANSWERABLE = [q for q in load_questions(DEFAULT_SEEDS) if q.answerable]


def test_highlights_are_whole_sentences_inside_their_passage(seed_service: RagService) -> None:
    for q in ANSWERABLE[:30]:
        for p in seed_service.query(q.question, top_k=5).passages:
            view = seed_service.document(p.doc_id)[1]
            assert len(p.highlights) <= 2
            for start, end in p.highlights:
                assert p.start <= start < end <= p.end
                sentence = view[start:end]
                assert sentence == sentence.strip() and sentence in p.text


def test_the_evidence_sits_in_the_highlighted_sentences(seed_service: RagService) -> None:
    found = inside = 0
    for q in ANSWERABLE:
        evidence = normalise(q.evidence)
        holder = next(
            (
                p
                for p in seed_service.query(q.question, top_k=10).passages
                if evidence in normalise(p.text)
            ),
            None,
        )
        if holder is None:
            continue
        view = seed_service.document(holder.doc_id)[1]
        found += 1
        inside += evidence in normalise(" ".join(view[a:b] for a, b in holder.highlights))
    assert found == len(ANSWERABLE)
    assert inside / found >= 0.78, (inside, found)  # measured 72 of 88 (README)


def test_a_question_of_stopwords_highlights_nothing() -> None:
    def stems(question: str) -> frozenset[str]:
        return frozenset(tokenize(question))

    assert highlights(stems("Is it?"), "It is what it is. Nothing more.", 10) == ()
    assert highlights(stems("heather honey"), "Bees. The heather honey sold out.", 10) == (
        (16, 43),
    )


def test_highlights_over_http_match_the_document_text(api_url: str) -> None:
    body = httpx.post(f"{api_url}/query", json={"question": "Who is Hu Xijin?", "top_k": 3}).json()
    passage = body["passages"][0]
    doc = httpx.get(f"{api_url}/documents/{passage['source']['doc_id']}").json()
    assert passage["highlights"], passage
    for h in passage["highlights"]:
        assert doc["text"][h["start"] : h["end"]] in passage["text"]
