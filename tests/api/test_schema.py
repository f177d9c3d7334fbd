"""Schemathesis over every route of a real server, all checks on (see schemathesis.toml)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from rag.service import RagService
from tests.conftest import ROOT, SEEDS, snapshot
from tests.server import serve

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


@pytest.mark.parametrize("keys", [False, True], ids=["auth off", "read and write keys"])
def test_schemathesis_finds_nothing(seed_service: RagService, tmp_path: Path, keys: bool) -> None:
    shutil.copytree(SEEDS, tmp_path / "corpus")  # its write routes add and delete documents
    before = snapshot(tmp_path / "corpus")
    # no GGUF model here (tests/generation/test_gguf.py runs it): the schema then offers only
    # the extractive generator, and the fuzzer does not spend its minutes writing with a model
    service = seed_service.derive(
        corpus_dir=tmp_path / "corpus",
        index_dir=tmp_path / "index",
        gguf_model=tmp_path / "no-model.gguf",
    )
    service.update(progress=False)
    service.open()
    updates: dict = {"rate_limit_auth_failures": "100000/minute"}  # it probes without keys
    updates |= {"api_keys": ["reader"], "admin_keys": ["writer"]} if keys else {}
    settings = service.settings.model_copy(update=updates)
    auth = ["-H", "Authorization: Bearer writer"] if keys else []
    with serve(create_app(settings, service)) as url:
        run = subprocess.run(
            [SCHEMATHESIS, "run", f"{url}/openapi.json", "-n", "15", "--seed", "11", *auth,
             "--suppress-health-check=filter_too_much"],  # a generator check, not the API's
            capture_output=True, text=True, cwd=ROOT, timeout=600, start_new_session=True,
        )  # fmt: skip
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-6000:]
    assert " passed" in summary and "failures" not in summary
    assert snapshot(tmp_path / "corpus") == before  # it wrote only into its uploads folder


@pytest.mark.parametrize(
    "raw", [b'{"question": "x", "top_k": 1e400}', b'{"question": "x", "top_k": NaN}']
)
def test_non_finite_numbers_are_refused_in_valid_json(api_url: str, raw: bytes) -> None:
    response = httpx.post(
        f"{api_url}/query", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    body = json.loads(response.text, parse_constant=refuse)
    assert "not a finite number" in body["detail"][0]["input"]


SCHEMA_CASES = [
    ("/query", {"question": "ferry", "filters": {"published_from": "2024-03-05",
                                                 "published_to": "2024-03-01"}}),
    ("/batch", {"questions": [{"question": "   "}]}),
    ("/batch", {"questions": [{"question": "Who is Hu Xijin?"}], "generator": "no-such"}),
    ("/batch", {"questions": [{"question": "Who is Hu Xijin?", "top_k": 3.0}]}),
    ("/query", {"question": "ferry", "top_k": 7.0}),
    ("/timeline", {"question": "ferry", "top_k": 7.0}),
    ("/answer", {"question": "Who is Hu Xijin?", "top_k": 7.0}),
    ("/answer", {"question": "Who is Hu Xijin?", "generator": "no-such"}),
    ("/answer", {"question": "Who is Hu Xijin?", "generator": "openai"}),  # not configured here
    ("/answer", {"question": "Who is Hu Xijin?", "generator": "extractive"}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body"), SCHEMA_CASES)
def test_the_schema_accepts_exactly_what_the_server_accepts(
    api_url: str, path: str, body: dict
) -> None:
    """What a probe's thousands of cases found: bodies the published schema allowed and the
    server refused (a reversed date range, a blank batch question, `top_k: 7.0`, a generator
    that is not there), which fails Schemathesis's positive phase."""
    from jsonschema import Draft202012Validator

    spec = httpx.get(f"{api_url}/openapi.json").json()
    schema = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    valid = Draft202012Validator({**schema, "components": spec["components"]}).is_valid(body)
    reply = httpx.post(f"{api_url}{path}", json=body, timeout=120)
    assert reply.status_code < 500, reply.text
    assert valid == (reply.status_code < 400), (valid, reply.status_code, reply.text[:300])
