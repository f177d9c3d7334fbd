"""Retrieval modes, the optional cross-encoder re-ranker and MMR diversity, through HTTP."""

from pathlib import Path

import httpx
import numpy as np
import pytest

from api.app import create_app
from rag.service import RagService
from tests.conftest import read_exact
from tests.server import serve


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_each_mode_finds_an_exact_name(api_url: str, mode: str) -> None:
    body = httpx.post(
        f"{api_url}/query", json={"question": "Hikvision FaiceTech brochure", "mode": mode}
    ).json()
    top = body["passages"][0]
    assert top["source"]["doc_id"] == "002_74cfa9d67cefe76b.txt" and "FaiceTech" in top["text"]


def test_modes_rank_differently(api_url: str) -> None:
    q = "propaganda by diplomats on social media"
    ranks = {
        m: [
            p["source"]["start"]
            for p in httpx.post(
                f"{api_url}/query", json={"question": q, "mode": m, "top_k": 8}
            ).json()["passages"]
        ]
        for m in ("dense", "lexical")
    }
    assert ranks["dense"] != ranks["lexical"]


def test_reranker_reorders_by_cross_encoder_score(
    seed_service: RagService, tiny_cross_encoder: Path
) -> None:
    from sentence_transformers import CrossEncoder

    question = "Which Moroccan prison holds the Uyghur activist?"
    service = seed_service.derive(reranker=str(tiny_cross_encoder), rerank_depth=8)
    with serve(create_app(service.settings, service)) as url:
        body = httpx.post(f"{url}/query", json={"question": question, "top_k": 5}).json()
    passages = body["passages"]
    expected = CrossEncoder(str(tiny_cross_encoder), device="cpu").predict(
        [(question, p["text"]) for p in passages]
    )
    assert [p["score"] for p in passages] == pytest.approx([float(s) for s in expected], abs=1e-4)
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    for p in passages:
        assert (
            read_exact(p["source"]["path"])[p["source"]["start"] : p["source"]["end"]] == p["text"]
        )


def test_missing_reranker_is_a_clear_503(seed_service: RagService, tmp_path: Path) -> None:
    service = seed_service.derive(reranker=str(tmp_path / "no-such-model"))
    with serve(create_app(service.settings, service)) as url:
        response = httpx.post(f"{url}/query", json={"question": "cotton"})
    assert response.status_code == 503 and "RAG_RERANKER" in response.json()["detail"]


def mean_pairwise_cosine(service: RagService, texts: list[str]) -> float:
    v = service.embedder.embed_documents(texts)
    sims = v @ v.T
    return float(sims[np.triu_indices(len(texts), 1)].mean())


def test_mmr_returns_less_redundant_passages(seed_service: RagService) -> None:
    question = "What did the UN report on Xinjiang say?"
    fixed = seed_service.derive(lexical_lean=0.0, evidence_order=False)  # as measured
    plain = fixed.query(question, top_k=5)
    diverse = fixed.derive(mmr_lambda=0.3).query(question, top_k=5)
    assert diverse.passages[0].start == plain.passages[0].start
    assert mean_pairwise_cosine(
        seed_service, [p.text for p in diverse.passages]
    ) < mean_pairwise_cosine(seed_service, [p.text for p in plain.passages])
