"""The bundled reader: its windows, its model (real, shipped weights), the judge over HTTP, and
one-line refusals of a model that is missing or damaged."""

import shutil
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from rag.errors import ConfigError
from rag.judging.reading import BUNDLED, Reader, reader
from rag.judging.windows import MIN_WORDS, windows
from rag.service import RagService
from tests.server import serve

DRESS = "How much was Lupita Nyong'o's stolen Oscar dress worth?"
ANSWERS = "The pearl-covered Calvin Klein dress, valued at $150,000, was stolen from her hotel."
DISCUSSES = "Nyong'o wore the pearl-covered Calvin Klein dress to the Oscars on Sunday night."


def test_windows_are_spans_of_the_text_and_short_sentences_join_the_next() -> None:
    text = "WASHINGTON — \nThe senate met on Tuesday to vote on the bill. It passed. Then the house voted on it too.\n"
    cut = windows(text)
    pieces = [text[s.start : s.end] for s in cut]
    assert pieces[0].startswith("WASHINGTON") and pieces[0].endswith("the bill.")
    assert pieces[1] == "It passed. Then the house voted on it too."
    assert all(len(p.split()) >= MIN_WORDS for p in pieces)
    assert windows("Too short.") and windows("") == []


def test_the_shipped_reader_tells_a_window_that_answers_from_one_that_discusses() -> None:
    scores = reader().scores(DRESS, [ANSWERS, DISCUSSES, "Stocks fell sharply in Tokyo."])
    assert scores[0] > scores[1] > scores[2] and scores[2] < 0.2


def test_a_missing_or_damaged_model_is_refused_in_one_line(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(BUNDLED, copy)
    data = bytearray((copy / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="damaged .*make reader"):
        Reader(copy)
    (copy / "model.onnx").unlink()
    with pytest.raises(ConfigError, match="missing .*RAG_JUDGE=signals"):
        Reader(copy)


def test_the_reader_judge_answers_and_declines_over_http(seed_service: RagService) -> None:
    service = seed_service.derive(judge="reader")
    asked = "Which clothing brand did Chinese state television urge people to boycott?"
    absent = "How many people did the Kansas City Chiefs parade shooting kill?"
    with serve(create_app(service.settings, service)) as url:
        yes = httpx.post(f"{url}/answer", json={"question": asked}, timeout=60).json()
        no = httpx.post(f"{url}/answer", json={"question": absent}, timeout=60).json()
    assert yes["judge"] == "reader" and yes["answerable"]
    assert yes["reason"].startswith("The reader finds the answer in “")
    assert no["judge"] == "reader" and not no["answerable"]
    assert no["reason"].startswith("The reader finds no passage that answers this.")
    assert "[" not in no["answer"] and not no["cited"]


def test_the_combiner_mixes_the_readers_logit_with_the_word_signals() -> None:
    from rag.judging.reading import Manifest

    alone = Manifest("x", 160, 0.5)
    mixed = Manifest("x", 160, 0.5, combiner=(1.0, 1.0, 0.0))
    assert alone.decide(0.8, 0.1) == 0.8 and mixed.decide(0.8, None) == 0.8
    assert mixed.decide(0.8, 0.2) == pytest.approx(0.5)  # logits 1.386 and -1.386 cancel
    assert mixed.decide(0.8, 0.8) > 0.9


def test_reading_stops_once_the_answer_is_found_and_reads_the_promising_windows_first(
    seed_service: RagService,
) -> None:
    from rag.judging.reader import FIRST_READ, best_windows

    retrieval = seed_service.query(
        "Which clothing brand did Chinese state television urge people to boycott?", 5
    )
    model = reader()
    read: list[str] = []

    class Counting:
        def scores(self, question: str, windows: list[str]) -> list[float]:
            read.extend(windows)
            return model.scores(question, windows)

    everything = best_windows(model, retrieval)
    read.clear()
    found = best_windows(Counting(), retrieval, enough=lambda score: True)  # type: ignore[arg-type]
    assert len(read) == FIRST_READ and len(found) <= FIRST_READ
    assert any("boycott" in window.lower() for window in read[:2])
    read.clear()
    unsure = best_windows(Counting(), retrieval, enough=lambda score: False)  # type: ignore[arg-type]
    windows_of_five = sum(len(windows(p.text)) for p in retrieval.passages[:5])
    assert len(read) == windows_of_five > FIRST_READ
    assert unsure.keys() == everything.keys()
    assert unsure == everything  # a window scores the same whatever it is read with
