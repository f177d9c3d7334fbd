"""Sources that disagree: the facts compared, the sides found by the real reader, and the whole
path (HTTP, streaming, CLI) over an archive of two reports of one bombing a day apart."""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from rag.generation.disagreements import Disagreement, Side, facts
from rag.generation.recency import asks_now
from rag.judging.reader import disagreements
from rag.retrieval.retriever import Passage, Retrieval
from rag.service import RagService
from tests.conftest import indexed
from tests.fake_llm import create_fake_llm
from tests.server import serve
from tests.sse import read_events

ASKED = "How many people were killed in the bombing of the Kabul market?"
FIRST = (
    "KABUL — A suicide bomber struck a crowded market in Kabul on Tuesday. At least 41 people "
    "were killed in the bombing of the market, officials said. The Taliban denied involvement."
)
NEXT = (
    "KABUL — The death toll from Tuesday's bombing of a Kabul market rose on Wednesday. At "
    "least 45 people were killed in the bombing, the health ministry said. Dozens were wounded."
)


def passage(rank: int, text: str, outlet: str, published: str) -> Passage:
    return Passage(
        rank, 1.0, f"d{rank}", f"d{rank}.txt", "Kabul bombing", 100, 100 + len(text), text,
        outlet=outlet, published=published,
    )  # fmt: skip


def test_facts_are_the_numbers_that_count_what_the_question_asks_about() -> None:
    found = facts(ASKED, FIRST)
    assert [(f.slot, f.value, f.written) for f in found] == [("peopl", "41", "41 people")]
    assert facts(ASKED, FIRST.replace("41", "forty-one"))[0].value == "41"
    assert (
        facts("How much did the bridge cost?", "The bridge cost $2.5 million to build.")[0].slot
        == "amount"
    )
    assert facts("When did the market open?", "It opened on 4 May 2019.")  # a date and a year
    assert facts(ASKED, "The market reopened in 2019 after 3 months.") == []


def test_sides_go_by_date_and_a_later_report_from_one_outlet_is_labelled() -> None:
    side = dict(doc_id="d", quote="q", start=0, end=1)
    d = Disagreement(
        "people",
        (
            Side(1, outlet="Reuters", published="2021-05-03", value="41 people", **side),  # type: ignore[arg-type]
            Side(
                2, outlet="Reuters", published="2021-05-04", value="45 people", later=True, **side
            ),  # type: ignore[arg-type]
        ),
    )
    assert d.sentence() == (
        "Sources disagree: Reuters (3 May 2021) reported “41 people” [1]; "
        "Reuters (4 May 2021, a later report) reports “45 people” [2]."
    )


def test_the_reader_finds_the_sides_and_leaves_agreeing_and_reworded_reports_alone(
    seed_service: RagService,
) -> None:
    def found(*passages: Passage) -> list[Disagreement]:
        return disagreements(Retrieval(ASKED, passages, True, 1.0))

    (d,) = found(passage(1, NEXT, "AP", "2021-05-04"), passage(2, FIRST, "Reuters", "2021-05-03"))
    assert d.about == "people" and [s.outlet for s in d.sides] == ["Reuters", "AP"]
    assert [(s.value, s.citation) for s in d.sides] == [("41 people", 2), ("45 people", 1)]
    assert FIRST[d.sides[0].start - 100 : d.sides[0].end - 100] == d.sides[0].quote  # exact span
    reworded = FIRST.replace("41", "forty-one").replace("said", "told reporters")
    assert (
        found(passage(1, FIRST, "AP", "2021-05-04"), passage(2, reworded, "Reuters", "2021-05-03"))
        == []
    )
    (update,) = found(
        passage(1, NEXT, "Reuters", "2021-05-04"), passage(2, FIRST, "Reuters", "2021-05-03")
    )
    assert [s.later for s in update.sides] == [False, True]
    one_article = replace(passage(2, FIRST, "Reuters", "2021-05-03"), doc_id="d1")
    assert found(passage(1, NEXT, "AP", "2021-05-04"), one_article) == []  # one source, two figures
    unrelated = "KABUL — Traders said 45 people queued at the market gate on Wednesday morning."
    assert (
        found(passage(1, unrelated, "AP", "2021-05-04"), passage(2, FIRST, "Reuters", "2021-05-03"))
        == []
    )


def page(outlet: str, published: str, title: str, body: str) -> str:
    return (
        f'<html><head><meta property="og:site_name" content="{outlet}">'
        f'<meta property="article:published_time" content="{published}T09:00:00Z">'
        f"<title>{title}</title></head><body><article><h1>{title}</h1><p>{body}</p>"
        "<p>Residents said the market had been busy with shoppers before the holiday, and "
        "traders counted their losses as the stalls were cleared.</p></article></body></html>"
    )


def rag_cli(service: RagService, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `rag` command over `service`'s corpus and index, as a user runs it."""
    folders = {
        "RAG_CORPUS_DIR": str(service.settings.corpus_dir),
        "RAG_INDEX_DIR": str(service.settings.index_dir),
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "rag"), *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, **folders},
    )  # fmt: skip


def write_reports(seed_service: RagService, root: Path) -> RagService:
    """A service over two reports of one bombing, a day apart, from two outlets."""
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "reuters.html").write_text(page("Reuters", "2021-05-03", "Bomb hits Kabul", FIRST))
    (corpus / "ap.html").write_text(page("AP", "2021-05-04", "Kabul toll rises", NEXT))
    return indexed(seed_service, root)


@pytest.fixture
def conflicting(seed_service: RagService, tmp_path: Path) -> RagService:
    return write_reports(seed_service, tmp_path)


def test_an_answer_states_the_disagreement_over_http_streaming_and_the_cli(
    conflicting: RagService,
) -> None:
    with serve(create_app(conflicting.settings, conflicting)) as url:
        body = httpx.post(f"{url}/answer", json={"question": ASKED}, timeout=120).json()
        streamed = read_events(f"{url}/answer", {"question": ASKED, "stream": True})
    assert body["answerable"], body["reason"]
    (d,) = body["disagreements"]
    assert [(s["outlet"], s["published"][:10]) for s in d["sides"]] == [
        ("Reuters", "2021-05-03"),
        ("AP", "2021-05-04"),
    ]
    assert "Sources disagree: Reuters (3 May 2021) reported “41 people”" in body["answer"]
    assert "AP (4 May 2021) reports “45 people”" in body["answer"]
    final = dict(streamed)["done"]
    assert final["disagreements"] == body["disagreements"]  # type: ignore[index]
    assert "Sources disagree" in "".join(str(data) for event, data in streamed if event == "token")
    cli = rag_cli(conflicting, "answer", ASKED)
    assert cli.returncode == 0, cli.stderr
    assert "Sources disagree on people:" in cli.stdout and "AP, 2021-05-04" in cli.stdout


def test_a_question_about_now_is_answered_as_of_the_newest_source_cited(
    conflicting: RagService,
) -> None:
    latest = "What is the latest number of people killed in the bombing of the Kabul market?"
    assert asks_now(latest) and not asks_now(ASKED)
    with serve(create_app(conflicting.settings, conflicting)) as url:
        body = httpx.post(f"{url}/answer", json={"question": latest}, timeout=120).json()
        plain = httpx.post(f"{url}/answer", json={"question": ASKED}, timeout=120).json()
    assert body["answerable"], body["reason"]
    assert body["answer"].endswith("As of 4 May 2021 (the newest source cited).")
    assert "As of" not in plain["answer"]


def test_a_question_about_now_or_a_year_cites_that_times_report_first(
    seed_service: RagService, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    old = (
        "Anna Berg was elected chair of the Kestrel harbour board on Monday, the board said. "
        "She will lead the board's review of the damaged pier."
    )
    new = (
        "Tom Lind became chair of the Kestrel harbour board on Friday after Anna Berg stepped "
        "down, the board said. He takes over the review of the damaged pier."
    )
    (corpus / "old.html").write_text(page("Harbour Gazette", "2020-03-02", "Berg elected", old))
    (corpus / "new.html").write_text(page("Harbour Gazette", "2023-06-09", "Lind takes over", new))
    service = indexed(seed_service, tmp_path)
    with serve(create_app(service.settings, service)) as url:
        now = "Who is the current chair of the Kestrel harbour board?"
        body = httpx.post(f"{url}/answer", json={"question": now}, timeout=120).json()
        then = "Who was chair of the Kestrel harbour board in 2020?"
        past = httpx.post(f"{url}/answer", json={"question": then}, timeout=120).json()
        plain = "Who was chair of the Kestrel harbour board?"
        timeless = httpx.post(f"{url}/answer", json={"question": plain}, timeout=120).json()
    assert body["answerable"], body["reason"]
    assert body["citations"][0]["source"]["published"].startswith("2023-06-09")
    assert [c["source"]["published"][:10] for c in body["citations"][:2]] == [
        "2023-06-09",
        "2020-03-02",
    ]
    assert "[1]" in body["answer"] and body["answer"].endswith(
        "As of 9 June 2023 (the newest source cited)."
    )
    assert past["answerable"] and past["citations"][0]["source"]["published"].startswith("2020")
    assert timeless["citations"][0]["source"]["published"].startswith("2023")
    # retrieval matches a year the question names with the publication year (rag.retrieval.named)
    assert "As of" not in past["answer"]


def test_a_model_is_told_of_outlets_and_dates_and_its_faithful_report_of_a_disagreement_passes(
    conflicting: RagService,
) -> None:
    with serve(create_app(conflicting.settings, conflicting)) as url:
        order = httpx.post(f"{url}/query", json={"question": ASKED, "judge": True}, timeout=60)
    rank = {p["source"]["outlet"]: p["rank"] for p in order.json()["passages"]}
    said = (
        f"At least 45 people were killed [{rank['AP']}]. Sources disagree: Reuters (3 May 2021) "
        f"reported 41 dead [{rank['Reuters']}]; AP (4 May 2021) reports 45 dead [{rank['AP']}]."
    )
    wrong = said.replace("reports 45 dead", "reports 47 dead")
    llm = create_fake_llm()
    with serve(llm) as fake:
        bodies = []
        for says in (said, wrong):
            service = conflicting.derive(openai_base_url=f"{fake}/v1", openai_model=f"say:{says}")
            with serve(create_app(service.settings, service)) as url:
                ask = {"question": ASKED, "generator": "openai"}
                bodies.append(httpx.post(f"{url}/answer", json=ask, timeout=60).json())
    system, user = llm.state.requests[0]["body"]["messages"]
    assert "Sources disagree:" in system["content"]
    assert 'outlet="AP" published="2021-05-04"' in user["content"]
    faithful, made_up = (b["claims"][-1] for b in bodies)
    assert faithful["text"].startswith("Sources disagree") and faithful["supported"] is True
    assert made_up["supported"] is False and "'47' is not in" in made_up["problems"][0]
    assert bodies[0]["answer"].count("Sources disagree") == 1  # the service adds no second one
    assert bodies[0]["disagreements"]


def test_the_timeline_marks_where_the_reported_figure_changed(conflicting: RagService) -> None:
    with serve(create_app(conflicting.settings, conflicting)) as url:
        body = httpx.post(f"{url}/timeline", json={"question": ASKED}, timeout=60).json()
    first, then = (day["entries"][0] for day in body["days"])
    assert first["changed"] is None
    assert then["changed"] == {"about": "people", "was": "41 people", "now": "45 people"}
    cli = rag_cli(conflicting, "timeline", ASKED)
    assert cli.returncode == 0, cli.stderr
    assert "Changed: 45 people, where earlier reports said 41 people." in cli.stdout
