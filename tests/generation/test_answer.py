"""POST /answer and `rag answer`: extractive by default, cited, checked, streamed."""

import re
import time

import httpx
import pytest

from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.runner import normalise
from tests.conftest import read_exact
from tests.sse import read_events

BY_ID = {q.id: q for q in load_questions(DEFAULT_SEEDS)}
SHOWCASE = ["q025", "q033", "q059", "q071", "q080", "q021", "q034", "q044"]


def check_markers_and_spans(body: dict) -> None:
    n = len(body["citations"])
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", body["answer"])]
    assert markers and all(1 <= m <= n for m in markers)
    assert body["cited"] == sorted(set(markers))
    for p in body["citations"]:
        src = p["source"]
        assert read_exact(src["path"])[src["start"] : src["end"]] == p["text"]
    for quote in body["quotes"]:
        cited = body["citations"][quote["citation"] - 1]["source"]
        assert (
            quote["doc_id"] == cited["doc_id"]
            and cited["start"] <= quote["start"] < quote["end"] <= cited["end"]
        )
        assert read_exact(cited["path"])[quote["start"] : quote["end"]] == quote["text"]


@pytest.mark.parametrize("qid", SHOWCASE)
def test_extractive_answers_hold_the_evidence(api_url: str, qid: str) -> None:
    q = BY_ID[qid]
    response = httpx.post(f"{api_url}/answer", json={"question": q.question}, timeout=60)
    assert response.status_code == 200
    body = response.json()
    assert body["generator"] == "extractive" and body["answerable"] is True, body["relevance"]
    assert normalise(q.evidence) in normalise(body["answer"])
    check_markers_and_spans(body)


def test_uncovered_question_is_declined_not_guessed(api_url: str) -> None:
    body = httpx.post(
        f"{api_url}/answer", json={"question": "How tall is Mount Everest?"}, timeout=60
    ).json()
    assert body["answerable"] is False and body["cited"] == []
    assert len(body["citations"]) == 5  # the nearest passages, for the reader to judge
    assert "do not appear to cover" in body["answer"] and "/query" not in body["answer"]


def test_streamed_answer_ends_with_citations(api_url: str) -> None:
    events = read_events(f"{api_url}/answer", {"question": BY_ID["q025"].question, "stream": True})
    tokens = [data for kind, data in events if kind == "token"]
    kind, final = events[-1]
    assert kind == "done" and tokens
    assert "".join(tokens) == final["answer"]
    assert "407-1" in final["answer"]
    check_markers_and_spans(final)
    whole = httpx.post(f"{api_url}/answer", json={"question": BY_ID["q025"].question}).json()
    assert final["quotes"] == whole["quotes"] and final["quotes"]  # the page highlights these


def test_unknown_generator_lists_the_available_ones(api_url: str) -> None:
    response = httpx.post(f"{api_url}/answer", json={"question": "cotton", "generator": "gpt-9"})
    assert response.status_code == 400
    assert "gpt-9" in response.json()["detail"] and "extractive" in response.json()["detail"]
    listed = {g["name"]: g for g in httpx.get(f"{api_url}/generators").json()}
    assert listed["extractive"]["available"] and listed["extractive"]["default"]
    assert not listed["openai"]["available"] and "RAG_OPENAI_BASE_URL" in listed["openai"]["reason"]


def test_unconfigured_generator_says_which_setting_to_set(api_url: str) -> None:
    response = httpx.post(f"{api_url}/answer", json={"question": "cotton", "generator": "openai"})
    assert response.status_code == 400 and "RAG_OPENAI_BASE_URL" in response.json()["detail"]


def test_rag_answer_cli(run_cli) -> None:
    result = run_cli("answer", "What share of China's cotton exports comes from Xinjiang?")
    assert result.returncode == 0, result.stderr
    assert "84%" in result.stdout and "[1] 002_74cfa9d67cefe76b.txt" in result.stdout


def test_extractive_answers_hold_the_evidence_in_few_words_and_whole_sentences(
    seed_service,
) -> None:
    """Measured 0.875 at 59.4 words an answer (python -m eval.answers); fail if that slips.
    The generator's own quality: every question is answered (abstention is measured apart)."""
    from eval.answers import score

    result = score(seed_service.derive(answerable_threshold=0.0), list(BY_ID.values()))
    assert result["holds_evidence"] >= 0.85
    assert result["mean_words"] <= 61 and result["max_words"] <= 80
    assert result["fragments"] == 0


def test_concurrent_answers_and_queries_all_succeed(api_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    questions = [q.question for q in list(BY_ID.values())[:24]]

    def call(i: int) -> int:
        route = "answer" if i % 2 else "query"
        while True:  # answers past RAG_MAX_CONCURRENT_ANSWERS are asked to come back
            response = httpx.post(
                f"{api_url}/{route}", json={"question": questions[i]}, timeout=120
            )
            if response.status_code != 503 or route == "query":
                return response.status_code
            time.sleep(float(response.headers["retry-after"]))

    with ThreadPoolExecutor(12) as pool:
        assert set(pool.map(call, range(len(questions)))) == {200}


def test_bracketed_numbers_in_articles_never_cite_other_passages(live_url: str, live) -> None:
    footnoted = (
        "Harbour fees rise\n\nThe harbour board raised mooring fees by 12 percent [2] after "
        "the storm repairs, its annual accounts show [3]. The board said the rise was the "
        "first in six years.\n"
    )
    added = httpx.post(f"{live_url}/documents", json={"doc_id": "fees.txt", "text": footnoted})
    assert added.status_code == 201
    body = httpx.post(
        f"{live_url}/answer",
        json={"question": "By how much did the harbour board raise mooring fees?", "top_k": 3},
        timeout=60,
    ).json()
    assert body["answerable"], body
    assert body["cited"] == [1], body["answer"]
    assert "12 percent ［2］" in body["answer"] and "[2]" not in body["answer"]
