"""Rate limits per key and per kind of route; keys from files; auth that cannot switch off by accident."""

import os
import subprocess
from pathlib import Path

import httpx

from api.app import create_app
from eval.bench_http import free_port, start_server
from rag.service import RagService
from tests.server import serve


def test_rate_limits_are_per_key_and_per_kind_of_route(seed_service: RagService) -> None:
    settings = seed_service.settings.model_copy(
        update={
            "api_keys": ["alice", "bob"],
            "rate_limit_query": "3/minute",
            "rate_limit_answer": "1/minute",
        }
    )
    with serve(create_app(settings, seed_service)) as url:

        def call(route: str, key: str) -> httpx.Response:
            headers = {"authorization": f"Bearer {key}"}
            return httpx.post(
                f"{url}/{route}", json={"question": "Who is Hu Xijin?"}, headers=headers, timeout=60
            )

        assert [call("query", "alice").status_code for _ in range(3)] == [200, 200, 200]
        limited = call("query", "alice")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "RAG_RATE_LIMIT_QUERY" in limited.json()["detail"]
        assert call("query", "bob").status_code == 200  # another key has its own budget
        assert call("answer", "alice").status_code == 200  # answers have their own budget
        assert call("answer", "alice").status_code == 429
        assert httpx.get(f"{url}/health").status_code == 200  # never limited


def test_without_keys_the_limit_is_per_address(seed_service: RagService) -> None:
    settings = seed_service.settings.model_copy(update={"rate_limit_query": "2/minute"})
    with serve(create_app(settings, seed_service)) as url:
        codes = [
            httpx.post(f"{url}/query", json={"question": "cotton"}).status_code for _ in range(3)
        ]
    assert codes == [200, 200, 429]


def test_keys_from_a_file_and_the_startup_line(seed_service: RagService, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# newsroom readers\nreader-one\n\nreader-two\n")
    port = free_port()
    env = {
        **os.environ,
        "RAG_INDEX_DIR": str(seed_service.settings.index_dir),
        "RAG_API_KEYS_FILE": str(keys),
    }
    server = start_server(port, env, output=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        body = {"question": "cotton"}
        assert httpx.post(f"{url}/query", json=body).status_code == 401
        ok = httpx.post(f"{url}/query", json=body, headers={"authorization": "Bearer reader-two"})
        assert ok.status_code == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "auth: on - 2 read key(s), writes off (no RAG_ADMIN_KEYS)" in output
    assert "reader-one" not in output and "reader-two" not in output


def test_a_key_list_that_parses_to_nothing_is_an_error(run_cli, tmp_path: Path) -> None:
    blank = run_cli("query", "cotton", env={"RAG_API_KEYS": " , "})
    assert (
        blank.returncode == 2
        and "RAG_API_KEYS: is set to ' , ', which holds no item" in blank.stderr
    )
    empty = tmp_path / "keys"
    empty.write_text("# nobody yet\n")
    from_file = run_cli("query", "cotton", env={"RAG_ADMIN_KEYS_FILE": str(empty)})
    assert from_file.returncode == 2 and "holds no key" in from_file.stderr
    bad_rate = run_cli("query", "cotton", env={"RAG_RATE_LIMIT_QUERY": "lots"})
    assert bad_rate.returncode == 2 and "is not a rate such as '120/minute'" in bad_rate.stderr


def test_startup_says_when_auth_is_off(seed_service: RagService) -> None:
    from api.app import auth_summary

    assert auth_summary(seed_service.settings).startswith("auth: off - every route is open")


def test_made_up_keys_and_forged_addresses_get_no_fresh_budget(seed_service: RagService) -> None:
    """With keys off, `Authorization: Bearer x` is no identity; X-Forwarded-For from a client that
    is not a configured proxy is ignored, so neither buys a new budget."""
    settings = seed_service.settings.model_copy(update={"rate_limit_query": "3/minute"})
    with serve(create_app(settings, seed_service)) as url:
        codes = [
            httpx.post(
                f"{url}/query",
                json={"question": "cotton"},
                headers={"authorization": f"Bearer made-up-{n}", "x-forwarded-for": f"10.9.8.{n}"},
            ).status_code
            for n in range(6)
        ]
    assert codes == [200, 200, 200, 429, 429, 429]


def test_failed_key_checks_are_limited_per_address(seed_service: RagService) -> None:
    settings = seed_service.settings.model_copy(
        update={"api_keys": ["alice"], "rate_limit_auth_failures": "5/minute"}
    )
    with serve(create_app(settings, seed_service)) as url:
        guesses = [
            httpx.post(
                f"{url}/query", json={"question": "x"}, headers={"authorization": f"Bearer g{n}"}
            ).status_code
            for n in range(7)
        ]
        right = httpx.post(
            f"{url}/query", json={"question": "cotton"}, headers={"authorization": "Bearer alice"}
        )
    assert guesses == [401] * 5 + [429, 429]
    assert right.status_code == 200  # the right key still works from that address


def test_a_forged_log_line_stays_one_line(seed_service: RagService, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    with caplog.at_level(logging.INFO, logger="rag.access"):
        with serve(create_app(seed_service.settings, seed_service)) as url:
            httpx.get(f"{url}/documents/x%0A2026-01-01%20INFO%20rag.access%20GET%20/%20200.txt")
    lines = [r.getMessage() for r in caplog.records if r.name == "rag.access"]
    assert lines and all("\n" not in line for line in lines)
    assert any("x%0A2026-01-01%20INFO" in line for line in lines)


def test_security_headers_on_every_page_and_file(api_url: str) -> None:
    for path in ("/", "/static/index.html", "/docs", "/static/js/main.js", "/openapi.json"):
        reply = httpx.get(f"{api_url}{path}")
        assert reply.status_code == 200, path
        assert reply.headers["x-content-type-options"] == "nosniff", path
        assert reply.headers["referrer-policy"] == "same-origin", path
        assert reply.headers["x-frame-options"] == "DENY", path
        if reply.headers["content-type"].startswith("text/html"):
            policy = reply.headers["content-security-policy"]
            assert (
                "frame-ancestors 'none'" in policy
                and "unsafe-inline'" not in policy.split("style-src")[0]
            ), path
