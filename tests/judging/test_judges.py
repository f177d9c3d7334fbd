"""The Judge seam: one contract for every judge, then what the llm judge does with a model that
answers, declines, chats, invents a sentence or fails (a local OpenAI-compatible server)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from rag import registry
from rag.judging.base import Judge, apply
from rag.retrieval.retriever import Retrieval
from rag.service import RagService
from tests.fake_llm import create_fake_llm
from tests.server import serve

QUESTION = "Which clothing brand did Chinese state television urge people to boycott?"


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[str]:
    with serve(create_fake_llm()) as url:
        yield f"{url}/v1"


def judge_for(name: str, seed_service: RagService, fake_llm: str, cross: Path) -> RagService:
    updates: dict[str, Any] = {"judge": name}
    if name == "llm":
        updates |= {"generator": "openai", "openai_base_url": fake_llm, "openai_model": "judge-yes"}
    if name == "cross-encoder":
        updates |= {"reranker": str(cross), "judge_min_score": -100.0}
    return seed_service.derive(**updates)


@pytest.mark.parametrize("name", registry.names("judge"))
def test_every_judge_keeps_the_contract(
    name: str, seed_service: RagService, fake_llm: str, tiny_cross_encoder: Path
) -> None:
    service = judge_for(name, seed_service, fake_llm, tiny_cross_encoder)
    retrieval = service.query(QUESTION)
    judge: Judge = registry.resolve("judge", name)(service.settings, service.generator)
    verdict = judge.judge(retrieval)
    assert verdict.judge == judge.name == name and isinstance(verdict.answerable, bool)
    assert len(set(verdict.order)) == len(verdict.order)
    assert all(0 <= i < len(retrieval.passages) for i in verdict.order)
    judged = apply(retrieval, verdict)
    assert sorted((p.doc_id, p.start) for p in judged.passages) == sorted(
        (p.doc_id, p.start) for p in retrieval.passages
    )
    assert [p.rank for p in judged.passages] == list(range(1, len(judged.passages) + 1))
    assert judged.support in ("well supported", "partly supported", "not covered")
    assert (judged.support == "not covered") == (not judged.answerable) and judged.reason
    declined = apply(Retrieval(QUESTION, (), False, 0.0, notice="nothing matches"), verdict)
    assert not declined.answerable


def test_a_judge_that_is_not_configured_says_which_setting(seed_service: RagService) -> None:
    from rag.errors import UnknownComponentError

    with pytest.raises(UnknownComponentError, match="RAG_GENERATOR"):
        seed_service.derive(judge="llm").judged(seed_service.query(QUESTION))
    with pytest.raises(UnknownComponentError, match="RAG_RERANKER"):
        seed_service.derive(judge="cross-encoder").judged(seed_service.query(QUESTION))


def llm_judged(seed_service: RagService, fake_llm: str, model: str) -> Retrieval:
    service = seed_service.derive(
        judge="llm",
        generator="openai",
        openai_base_url=fake_llm,
        openai_model=model,
        openai_retries=0,
        openai_timeout_s=2.0,
    )
    return service.query(QUESTION, judge=True)


def test_the_llm_judge_takes_a_sentence_that_is_really_in_the_passage(
    seed_service: RagService, fake_llm: str
) -> None:
    result = llm_judged(seed_service, fake_llm, "judge-yes")
    assert result.answerable and result.judge == "llm"
    assert result.reason.startswith("The language model found the answer in")


def test_the_llm_judge_declines_when_the_model_finds_no_answer(
    seed_service: RagService, fake_llm: str
) -> None:
    result = llm_judged(seed_service, fake_llm, "judge-no")
    assert not result.answerable and result.support == "not covered"
    assert "found no answer" in result.reason


@pytest.mark.parametrize(
    ("model", "why"),
    [
        ("judge-nonsense", "reply was not a verdict"),
        ("judge-invented", "a sentence not in passage 1"),
        ("fail", "could not judge"),
    ],
)
def test_nonsense_from_the_model_leaves_the_evidence_verdict_and_says_so(
    seed_service: RagService, fake_llm: str, model: str, why: str
) -> None:
    plain = seed_service.query(QUESTION)
    result = llm_judged(seed_service, fake_llm, model)
    assert result.answerable == plain.answerable and result.judge == "llm"
    assert why in result.reason and "Judged from the evidence alone" in result.reason


def test_answer_and_query_over_http_carry_the_judges_verdict(
    seed_service: RagService, fake_llm: str
) -> None:
    service = seed_service.derive(
        judge="llm", generator="openai", openai_base_url=fake_llm, openai_model="judge-no"
    )
    with serve(create_app(service.settings, service)) as url:
        answer = httpx.post(f"{url}/answer", json={"question": QUESTION}, timeout=30).json()
        plain = httpx.post(f"{url}/query", json={"question": QUESTION}, timeout=30).json()
        judged = httpx.post(
            f"{url}/query", json={"question": QUESTION, "judge": True}, timeout=30
        ).json()
    assert answer["judge"] == "llm" and not answer["answerable"]
    assert "found no answer" in answer["answer"]
    assert plain["judge"] == "signals" and plain["answerable"]
    assert judged["judge"] == "llm" and not judged["answerable"]
