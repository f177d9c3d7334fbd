"""Abstention from several signals: a calibrated confidence that carries across corpora."""

import json
from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.retrieval.abstention import FEATURES, AbstentionModel, signals
from rag.retrieval.evidence import gather
from rag.retrieval.fusion import question_weights, specificity
from rag.service import RagService


def test_relevance_is_a_confidence_and_the_small_corpus_question_is_answered(
    live: RagService,
) -> None:
    """The user's own four-article corpus: the one cosine cut-off refused this at 0.333."""
    result = live.query("Where will the Dunmore Rovers match be played?")
    assert result.answerable and 0.0 <= result.relevance <= 1.0
    assert result.passages[0].doc_id == "sport/rovers.md"
    assert set(result.signals) == set(FEATURES)


def test_off_topic_and_unknown_people_score_lower_than_the_answer(seed_service: RagService) -> None:
    answered = seed_service.query("Who is the deputy head of Xinjiang's publicity department?")
    off = seed_service.query("How long should I boil an egg for a soft yolk?")
    assert answered.answerable and not off.answerable
    assert off.relevance < answered.relevance


def test_a_name_the_passages_never_mention_lowers_the_coverage_signals() -> None:
    texts = ["Harbour master Leona Pratt said the pier repairs cost 40,000 pounds."]
    known_q = "What did Leona Pratt say the repairs cost?"
    unknown_q = "What did Fumio Kishida say the repairs cost?"
    known = signals(known_q, [0.6, 0.3], True, texts, gather(known_q, texts))
    unknown = signals(unknown_q, [0.6, 0.3], True, texts, gather(unknown_q, texts))
    assert known["name_coverage"] == 1.0 and unknown["name_coverage"] == 0.0
    assert unknown["rare_coverage"] < known["rare_coverage"]
    assert unknown["missing_rarity"] > known["missing_rarity"]


def test_a_broken_model_file_is_a_clear_config_error(
    tmp_path: Path, seed_service: RagService
) -> None:
    bad = tmp_path / "model.json"
    bad.write_text(json.dumps({"features": ["dense_top"], "means": [0]}))
    with pytest.raises(ConfigError, match="model.json"):
        AbstentionModel.load(bad)
    with pytest.raises(ConfigError):
        seed_service.derive(abstention_model=tmp_path / "missing.json").query("cotton")


def test_names_lean_the_fusion_towards_bm25() -> None:
    assert specificity("How many devices did TikTok ban in November?") > 0
    assert specificity("ALDH1 expression is associated with poorer prognosis") == 0
    dense, lexical = question_weights("What did Hua Chunying say?", 1.0, 1.5, 4.0)
    assert dense == 1.0 and lexical > 1.5
    assert question_weights("what is the weather like", 1.0, 1.5, 4.0) == (1.0, 1.5)
