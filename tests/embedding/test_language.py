"""English questions full of names are read; questions in languages the model cannot read are
declined with the language's name."""

import json
from pathlib import Path

import pytest

from eval.dataset import DEFAULT_SEEDS, HARD_SEEDS, load_questions
from rag.embedding.language import unreadable_language
from rag.service import RagService
from tests.conftest import ROOT

SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "queries.jsonl"
ENGLISH_ONLY = frozenset({"en"})
NAMED = [
    "How much did Arsenal pay Borussia Dortmund for Aubameyang?",
    "Who is Hu Xijin?",
    "What did Pierre-Emerick Aubameyang say after the match?",
    "Did Nnamdi Kanu meet Olusegun Obasanjo in Abuja?",
    "Why did Xi Jinping visit Kazakhstan and Uzbekistan?",
    "When did Jacinda Ardern resign?",
]
FOREIGN = {
    "¿Quién ganó la Copa del Mundo en 2022?": "Spanish",
    "Wer hat die Wahl in Bayern gewonnen?": "German",
    "Qui a gagné la coupe du monde en 2022 ?": "French",
    "Chi ha vinto le elezioni in Italia?": "Italian",
    "Quem venceu a eleição no Brasil?": "Portuguese",
    "Wie heeft de verkiezingen gewonnen?": "Dutch",
    "Kto wygrał wybory w Polsce?": "Polish",
    "Vem vann valet i Sverige?": "Swedish",
    "Dünya Kupasını kim kazandı?": "Turkish",
    "Кто выиграл чемпионат мира?": "Russian",
    "谁赢得了世界杯？": "Chinese",
    "월드컵에서 누가 이겼습니까?": "Korean",
    "ワールドカップで誰が優勝しましたか？": "Japanese",
    "من فاز بكأس العالم؟": "Arabic",
}


def english_questions() -> list[str]:
    """Every question file the project has: both seeds sets and the SciFact queries."""
    found = [q.question for path in (DEFAULT_SEEDS, HARD_SEEDS) for q in load_questions(path)]
    if SCIFACT.is_file():
        found += [json.loads(line)["text"] for line in SCIFACT.open(encoding="utf-8")]
    return found + NAMED


def test_no_english_question_is_declined() -> None:
    questions = english_questions()
    assert len(questions) >= 200
    declined = [q for q in questions if unreadable_language(q, ENGLISH_ONLY)]
    assert declined == []


@pytest.mark.parametrize("question", list(FOREIGN), ids=list(FOREIGN.values()))
def test_each_foreign_question_is_declined_by_name(seed_service: RagService, question: str) -> None:
    result = seed_service.query(question)
    assert result.answerable is False
    assert result.notice and f"looks like {FOREIGN[question]}" in result.notice


def test_named_english_questions_are_answered_normally(seed_service: RagService) -> None:
    for question in NAMED:
        assert seed_service.query(question).notice is None, question


def test_the_cli_says_the_language_in_words(run_cli, tmp_path: Path) -> None:
    result = run_cli("query", "Wer hat die Wahl in Bayern gewonnen?")
    assert result.returncode == 0 and "looks like German" in result.stdout
