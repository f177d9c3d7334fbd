"""The HTTP contract on a real uvicorn server with a real HTTP client."""

import json
import logging
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from api.app import create_app
from rag.service import RagService
from tests.conftest import read_exact
from tests.server import serve

QUESTIONS = [
    "How many votes did the Uighur bill get in the House?",
    "Which Moroccan prison holds the Uyghur activist?",
    "What ethnicity recognition features did Hikvision advertise?",
    "Why did protests break out in Urumqi?",
    "Which stock indexes include companies linked to Uyghur repression?",
    "How does the spyware targeting Uyghurs disguise itself?",
    "Who is challenging UK agencies over cotton imports?",
    "What are frontier influencers?",
    "What did Gerry Brownlee say about the UN report?",
    "Why did Geoffrey Nice criticise the UN report?",
    "When was the UN Xinjiang report published?",
    "What does the Uyghur Forced Labor Prevention Act assume about goods from Xinjiang?",
    "What did China's letter to Michelle Bachelet ask for?",
    "How many Facebook posts did ASPI analyse?",
    "Which countries are on the US list of state-sponsored trafficking?",
    "Why did TikTok suspend Feroza Aziz's account?",
    "Who is Hu Xijin?",
    "How did China retaliate against H&M?",
    "What biometric data is collected from Xinjiang residents?",
    "Which brands shifted manufacturing out of Xinjiang?",
]


def post(url: str, body: object, **kwargs: object) -> httpx.Response:
    return httpx.post(f"{url}/query", json=body, timeout=60, **kwargs)  # type: ignore[arg-type]


def source_key(body: dict) -> list[tuple]:
    return [
        (p["source"]["doc_id"], p["source"]["start"], p["source"]["end"]) for p in body["passages"]
    ]


def test_query_contract_shape(api_url: str) -> None:
    response = post(api_url, {"question": QUESTIONS[0], "top_k": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["question"] == QUESTIONS[0]
    assert isinstance(body["answerable"], bool)
    assert set(body["timings_ms"]) >= {"embed", "search", "total"}
    assert [p["rank"] for p in body["passages"]] == [1, 2, 3]
    for p in body["passages"]:
        assert set(p) == {"rank", "score", "text", "highlights", "source"}
        assert set(p["source"]) == {
            *("doc_id", "path", "title", "start", "end", "format", "published", "author"),
            *("outlet", "url", "page_start", "page_end", "also_in"),
        }
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_offsets_are_exact_against_the_files(api_url: str, question: str) -> None:
    body = post(api_url, {"question": question, "top_k": 5}).json()
    assert len(body["passages"]) == 5
    for p in body["passages"]:
        src = p["source"]
        assert read_exact(src["path"])[src["start"] : src["end"]] == p["text"]


BAD_BODIES = [
    ({"question": ""}, 422, "question is blank"),
    ({"question": "   \n\t "}, 422, "blank"),
    ({"question": "x" * 2001}, 422, "2000"),
    ({"question": "ok", "top_k": 0}, 422, "top_k"),
    ({"question": "ok", "top_k": 51}, 422, "top_k"),
    ({"question": "ok", "top_k": "5"}, 422, "top_k"),
    ({"question": "ok", "top_k": 2.5}, 422, "top_k"),
    ({"question": "ok", "top_k": True}, 422, "top_k"),
    ({"question": "ok", "mode": "fancy"}, 422, "mode"),
    ({"question": "ok", "colour": "blue"}, 422, "colour"),
    ({"top_k": 3}, 422, "question"),
    ({"question": 42}, 422, "question"),
    ({"question": None}, 422, "question"),
    ({"question": ["a", "b"]}, 422, "question"),
    ([1, 2, 3], 422, ""),
]


@pytest.mark.parametrize(("body", "status", "mentions"), BAD_BODIES, ids=lambda v: str(v)[:30])
def test_bad_input_gets_a_4xx_that_says_what_is_wrong(api_url: str, body, status, mentions) -> None:
    response = post(api_url, body)
    assert response.status_code == status
    assert mentions in json.dumps(response.json()["detail"])


def test_malformed_and_oversized_bodies(api_url: str) -> None:
    broken = httpx.post(
        f"{api_url}/query",
        content=b'{"question": "unterminated',
        timeout=30,
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["detail"]
    huge = post(api_url, {"question": "a " * 40_000})
    assert huge.status_code == 413 and "larger than" in huge.json()["detail"]

    def chunks():  # no Content-Length: the limit must still hold
        for _ in range(100):
            yield b" " * 1024

    streamed = httpx.post(
        f"{api_url}/query",
        content=chunks(),
        timeout=30,
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert httpx.get(f"{api_url}/health").status_code == 200


@pytest.mark.parametrize(
    "question",
    [
        "新疆的棉花禁令是什么？",
        "Что сказала Мишель Бачелет?",
        "🧕🏻 Uyghur 🚫 cotton?",
        "nul\u0000byte question",
        "\u202e\u200b right-to-left",
        "قانون العمل القسري",
    ],
)
def test_any_script_emoji_and_control_characters_are_answered(api_url: str, question: str) -> None:
    response = post(api_url, {"question": question})
    assert response.status_code == 200
    assert response.json()["passages"]


def test_lone_surrogates_never_cause_a_500(api_url: str) -> None:
    raw = b'{"question": "bad \\ud800 surrogate"}'
    response = httpx.post(
        f"{api_url}/query", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code in (200, 422)
    assert httpx.get(f"{api_url}/health").json()["status"] == "ok"


def test_health_documents_and_docs(api_url: str) -> None:
    health = httpx.get(f"{api_url}/health").json()
    assert health["status"] == "ok" and health["documents"] == 5 and health["chunks"] > 50
    assert health["model"] == "all-MiniLM-L6-v2"
    docs = httpx.get(f"{api_url}/documents").json()["documents"]
    assert len(docs) == 5 and sum(len(d["articles"]) for d in docs) == 23
    for d in docs:
        text = read_exact(d["path"])
        for a in d["articles"]:
            assert text[a["start"] : a["end"]].startswith(a["title"])
    assert httpx.get(f"{api_url}/docs").status_code == 200
    assert "/query" in httpx.get(f"{api_url}/openapi.json").json()["paths"]


def test_concurrent_requests_match_sequential_ones(api_url: str) -> None:
    questions = (QUESTIONS * 2)[:32]
    sequential = [source_key(post(api_url, {"question": q}).json()) for q in questions]
    with httpx.Client(timeout=120) as client, ThreadPoolExecutor(32) as pool:
        responses = list(
            pool.map(lambda q: client.post(f"{api_url}/query", json={"question": q}), questions)
        )
    assert all(r.status_code == 200 for r in responses)
    assert [source_key(r.json()) for r in responses] == sequential


def test_api_keys_guard_every_route_but_health(seed_service: RagService, caplog) -> None:
    settings = seed_service.settings.model_copy(update={"api_keys": ["s3cret-key-1", "other-key"]})
    caplog.set_level(logging.INFO, logger="rag.access")
    with serve(create_app(settings, seed_service)) as url:
        assert httpx.get(f"{url}/health").status_code == 200
        assert post(url, {"question": "cotton"}).status_code == 401
        wrong = post(url, {"question": "cotton"}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "RAG_API_KEYS" in wrong.json()["detail"]
        assert httpx.get(f"{url}/documents").status_code == 401
        ok = post(url, {"question": "cotton"}, headers={"Authorization": "Bearer s3cret-key-1"})
        assert ok.status_code == 200
        docs = httpx.get(f"{url}/documents", headers={"Authorization": "Bearer other-key"})
        assert docs.status_code == 200
    assert "POST /query 200" in caplog.text and "POST /query 401" in caplog.text
    assert "s3cret-key-1" not in caplog.text and "other-key" not in caplog.text


def test_request_id_is_echoed_when_sane(api_url: str) -> None:
    mine = httpx.get(f"{api_url}/health", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    odd = httpx.get(f"{api_url}/health", headers={"X-Request-ID": "bad id with spaces"})
    assert odd.headers["x-request-id"] != "bad id with spaces"


def test_cors_origins_are_configurable(seed_service: RagService) -> None:
    settings = seed_service.settings.model_copy(
        update={"cors_origins": ["https://newsroom.example"]}
    )
    with serve(create_app(settings, seed_service)) as url:
        pre = httpx.options(
            f"{url}/query",
            headers={"Origin": "https://newsroom.example", "Access-Control-Request-Method": "POST"},
        )
        assert pre.headers["access-control-allow-origin"] == "https://newsroom.example"


def test_web_page_and_its_modules_are_served_from_this_server_only(api_url: str) -> None:
    page = httpx.get(f"{api_url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "Ask the archive" in page.text and "http" not in page.text
    for asset in ("/static/page.css", "/static/js/main.js", "/static/js/ask.js"):
        reply = httpx.get(f"{api_url}{asset}")
        assert (
            reply.status_code == 200
            and "http://" not in reply.text
            and "https://" not in reply.text
        )


def test_blank_questions_get_one_message_in_one_shape(api_url: str) -> None:
    bodies = [post(api_url, {"question": q}).json() for q in ("", "   ", "\x00\t")]
    messages = {b["detail"][0]["msg"] for b in bodies}
    assert len(messages) == 1 and "question is blank" in messages.pop()
    assert all(b["detail"][0]["loc"] == ["body", "question"] for b in bodies)


def test_errors_never_echo_more_than_a_short_prefix(api_url: str) -> None:
    response = post(api_url, {"question": "x" * 10_000})
    assert response.status_code == 422 and len(response.content) < 600
    assert "2000" in response.text
    nested = post(api_url, {"top_k": 3, "padding": ["y" * 1000] * 20})
    assert nested.status_code == 422 and len(nested.content) < 1500


def test_answer_booleans_are_strict(api_url: str) -> None:
    for bad in ("yes", 1, "true"):
        response = httpx.post(f"{api_url}/answer", json={"question": "ok", "stream": bad})
        assert response.status_code == 422 and "stream" in response.text


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_named_as_such(api_url: str, content_type) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = httpx.post(
        f"{api_url}/query", content=b'{"question": "cotton"}', headers=headers, timeout=30
    )
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["detail"]


def test_docs_are_served_without_any_outside_asset(api_url: str) -> None:
    page = httpx.get(f"{api_url}/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text and "//" not in page.text.replace("http://127.0.0.1", "")
    import re

    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        fetched = httpx.get(f"{api_url}{asset}")
        assert fetched.status_code == 200 and len(fetched.content) > 100, asset
    assert httpx.get(f"{api_url}/openapi.json").json()["paths"]["/query"]


CHINESE = "维吾尔族活动人士被关押在摩洛哥的哪所监狱？"
ENGLISH = "Which Moroccan prison holds the Uyghur activist?"


def test_a_question_in_a_language_the_model_cannot_read_is_declined(api_url: str) -> None:
    english = post(api_url, {"question": ENGLISH}).json()
    assert english["answerable"] is True and english["notice"] is None
    chinese = post(api_url, {"question": CHINESE}).json()
    assert chinese["answerable"] is False
    assert "looks like Chinese" in chinese["notice"] and "RAG_" not in chinese["notice"]
    answer = httpx.post(f"{api_url}/answer", json={"question": CHINESE}, timeout=60).json()
    assert answer["answerable"] is False and answer["answer"] == chinese["notice"]
    assert answer["cited"] == [] and answer["citations"]  # nearest passages, none cited


def test_a_multilingual_model_is_not_declined(seed_service: RagService) -> None:
    multilingual = seed_service.derive(model_languages=["en", "zh"])
    result = multilingual.query(CHINESE)
    assert result.notice is None


def test_model_languages_come_from_the_model_card(tmp_path) -> None:
    from rag.embedding.language import model_card_languages

    (tmp_path / "README.md").write_text(
        "---\nlanguage:\n- en\n- zh\nlicense: mit\n---\n# A model\n"
    )
    assert model_card_languages(str(tmp_path)) == {"en", "zh"}
    assert model_card_languages(str(tmp_path / "missing")) is None


def test_english_eval_questions_are_never_taken_for_another_language(
    seed_service: RagService,
) -> None:
    from eval.dataset import DEFAULT_SEEDS, load_questions

    questions = [q.question for q in load_questions(DEFAULT_SEEDS)]
    flagged = [r.question for r in seed_service.query_many(questions) if r.notice]
    assert flagged == []
