"""Citations to take away: Markdown footnotes, CSL-JSON (checked against the CSL schema) and
BibTeX, from the library, the CLI and the HTTP API; every quote is the text at its span."""

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pybtex.database
import pytest

from rag.generation.answering import Answer
from rag.generation.cite import CITE_FORMATS, export, sources
from rag.service import RagService
from tests.sse import read_events

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "csl-data.json").read_text())
QUESTION = "What share of China's cotton exports comes from Xinjiang?"


def parse_bibtex(text: str) -> list[Any]:
    """The entries as pybtex (the BibTeX reimplementation in Python) reads them, strictly."""
    data = pybtex.database.parse_string(text, "bibtex")
    return list(data.entries.values())


def render_csl(text: str) -> list[str]:
    """The items as citeproc-py formats them in a bibliography (Harvard, its bundled style)."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    source = CiteProcJSON(json.loads(text))
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for key in source:
        bibliography.register(Citation([CitationItem(key)]))
    return [str(item) for item in bibliography.bibliography()]


def check_csl(text: str, service: RagService) -> list[dict]:
    items = json.loads(text)
    jsonschema.validate(items, SCHEMA)
    for item in items:
        notes = re.findall(r"“(.*?)” \(([^,]+), characters (\d+)-(\d+)\)(?:; |$)", item["note"])
        assert notes and "; ".join(n[0] for n in notes) != ""
        for quote, doc_id, start, end in notes:
            _, view = service.document(doc_id)
            shown = " ".join(view[int(start) : int(end)].split())
            assert shown.translate(str.maketrans('“”"', "‘’'")) == quote
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
    assert items[0]["type"] == "article-newspaper" and items[0]["title"]
    assert len(items) == len({s.passage.doc_id for s in cited})
    markdown = export(answer, "md")
    assert "[^1]" in markdown and "\n[^1]: " in markdown and "[1]" not in markdown
    bibtex = export(answer, "bibtex")
    documents = {s.passage.doc_id for s in cited}
    assert bibtex.count("@article{") == len(documents) and "84\\%" in bibtex


def test_metadata_becomes_outlet_author_date_and_url(seed_service: RagService) -> None:
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
    entry = parse_bibtex(export(result, "bibtex"))[0]
    assert entry.fields["journal"] == "The Guardian" and entry.fields["year"] == "2022"
    assert entry.fields["month"] == "June" and entry.fields["url"].endswith("_ban")
    assert [str(p) for p in entry.persons["author"]] == ["Doe, Jane", "Roe, John"]
    entry = parse_bibtex(export(result, "biblatex"))[0]
    assert entry.fields["journaltitle"] == "The Guardian" and entry.fields["date"] == "2022-06-21"
    assert "year" not in entry.fields and "journal" not in entry.fields


def test_one_document_cited_twice_is_one_entry_and_each_name_once(
    seed_service: RagService, answer: Answer
) -> None:
    """Two passages of one article, its author merged twice ("A; A" in two cases), and a quote
    that opens with the article's own quotation mark: one entry, one author, no doubled mark."""
    first = answer.citations.passages[0]
    same = replace(
        answer.citations.passages[1],
        doc_id=first.doc_id,
        path=first.path,
        title=first.title,
        outlet="The New York Times",
        author="Jeffrey Gettleman, Jeffrey Gettleman",
        published="2017-01-13",
    )
    first = replace(same, start=first.start, end=first.end, text=first.text, highlights=())
    opening = replace(first, text="“Most of it,” he said. " + first.text[23:])
    passages = (opening, same, *answer.citations.passages[2:])
    twice = replace(
        answer,
        answer="One [1]. Two [2].",
        quotes=(),
        citations=replace(answer.citations, passages=passages),
    )
    markdown = export(twice, "md")
    assert "[^1]" in markdown and "[^2]" not in markdown and markdown.count("\n[^1]: ") == 1
    assert "““" not in markdown and "“‘Most of it,’ he said." in markdown
    assert markdown.count("Jeffrey Gettleman") == 1
    for style in ("bibtex", "biblatex"):
        (entry,) = parse_bibtex(export(twice, style))
        assert [str(p) for p in entry.persons["author"]] == ["Gettleman, Jeffrey"]
        assert entry.fields["note"].count("characters") == 2
    (item,) = json.loads(export(twice, "csl"))
    assert item["author"] == [{"literal": "Jeffrey Gettleman"}]
    (rendered,) = render_csl(export(twice, "csl"))
    assert "Jeffrey Gettleman" in rendered and "2017" in rendered and "New York Times" in rendered


def test_rag_answer_cite_prints_valid_csl_json(run_cli, seed_service: RagService) -> None:
    done = run_cli("answer", QUESTION, "--cite", "csl")
    assert done.returncode == 0, done.stderr
    assert check_csl(done.stdout, seed_service)
    assert len(render_csl(done.stdout)) == len(json.loads(done.stdout))
    done = run_cli("answer", QUESTION, "--cite", "bibtex")
    assert done.returncode == 0, done.stderr
    assert all(e.type == "article" and e.fields["title"] for e in parse_bibtex(done.stdout))


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
