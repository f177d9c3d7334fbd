"""Citations to take away: Markdown footnotes, CSL-JSON (checked against the CSL schema) and
BibTeX, from the library, the CLI and the HTTP API; every quote is the text at its span."""

import json
import re
from pathlib import Path

import httpx
import jsonschema
import pytest

from rag.generation.answering import Answer
from rag.generation.cite import CITE_FORMATS, export, sources
from rag.service import RagService
from tests.sse import read_events

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "csl-data.json").read_text())
QUESTION = "What share of China's cotton exports comes from Xinjiang?"


def check_csl(text: str, service: RagService) -> list[dict]:
    items = json.loads(text)
    jsonschema.validate(items, SCHEMA)
    for item in items:
        quote, doc_id, start, end = re.fullmatch(
            r"“(.*)” \((.+), characters (\d+)-(\d+)\)", item["note"], re.S
        ).groups()
        _, view = service.document(doc_id)
        assert " ".join(view[int(start) : int(end)].split()) == quote
    return items


@pytest.fixture(scope="module")
def answer(seed_service: RagService) -> Answer:
    result = seed_service.answer(QUESTION)
    assert result.answerable and result.cited
    return result


def test_each_format_holds_every_cited_source(seed_service: RagService, answer: Answer) -> None:
    cited = sources(answer)
    assert [s.n for s in cited] == answer.cited
    items = check_csl(export(answer, "csl"), seed_service)
    assert [i["id"] for i in items] == [s.key for s in cited]
    assert items[0]["type"] == "article-newspaper" and items[0]["title"]
    markdown = export(answer, "md")
    assert "[^1]" in markdown and "\n[^1]: " in markdown and "[1]" not in markdown
    bibtex = export(answer, "bibtex")
    assert bibtex.count("@article{") == len(cited) and "84\\%" in bibtex


def test_metadata_becomes_outlet_author_date_and_url(seed_service: RagService) -> None:
    from dataclasses import replace

    result = seed_service.answer(QUESTION)
    first = result.citations.passages[result.cited[0] - 1]
    richer = replace(
        first,
        outlet="The Guardian",
        author="Jane Doe and John Roe",
        published="2022-06-21",
        url="https://example.org/cotton_ban",
    )
    passages = tuple(richer if p is first else p for p in result.citations.passages)
    result = replace(result, citations=replace(result.citations, passages=passages))
    item = check_csl(export(result, "csl"), seed_service)[0]
    assert item["container-title"] == "The Guardian"
    assert item["author"] == [{"literal": "Jane Doe"}, {"literal": "John Roe"}]
    assert item["issued"] == {"date-parts": [[2022, 6, 21]]} and item["URL"].endswith("_ban")
    bibtex = export(result, "bibtex")
    assert (
        "journal = {The Guardian}" in bibtex and "url = {https://example.org/cotton_ban}" in bibtex
    )


def test_rag_answer_cite_prints_valid_csl_json(run_cli, seed_service: RagService) -> None:
    done = run_cli("answer", QUESTION, "--cite", "csl")
    assert done.returncode == 0, done.stderr
    assert check_csl(done.stdout, seed_service)


def test_post_answer_exports_what_is_asked_streamed_or_not(
    api_url: str, seed_service: RagService
) -> None:
    body = httpx.post(f"{api_url}/answer", json={"question": QUESTION, "cite": "bibtex"}).json()
    assert list(body["exports"]) == ["bibtex"] and body["exports"]["bibtex"].startswith("@article{")
    events = read_events(f"{api_url}/answer", {"question": QUESTION, "stream": True, "cite": "all"})
    kind, final = events[-1]
    assert kind == "done" and sorted(final["exports"]) == sorted(CITE_FORMATS)
    check_csl(final["exports"]["csl"], seed_service)
    plain = httpx.post(f"{api_url}/answer", json={"question": QUESTION}).json()
    assert plain["exports"] == {}
    refused = httpx.post(f"{api_url}/answer", json={"question": QUESTION, "cite": "ris"})
    assert refused.status_code == 422
