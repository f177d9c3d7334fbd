"""Eval files: JSONL, one question a line, validated so a typo fails loudly with its line number."""

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.errors import RagError

DEFAULT_SEEDS = Path(__file__).parent / "datasets" / "seeds.jsonl"
HARD_SEEDS = Path(__file__).parent / "datasets" / "seeds_hard.jsonl"
HELD_OUT_SEEDS = Path(__file__).parent / "datasets" / "seeds_holdout.jsonl"
# written at stop 44, before the reader was first measured, and reported only
FRESH_SEEDS = Path(__file__).parent / "datasets" / "seeds_fresh.jsonl"
NEWS = Path(__file__).parent / "datasets" / "news"
NEWS_TUNE = Path(__file__).parent / "datasets" / "news_tune.jsonl"
NEWS_HELD_OUT = Path(__file__).parent / "datasets" / "news_holdout.jsonl"


class EvalQuestion(BaseModel):
    """An empty `sources` list marks a question the corpus cannot answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    sources: list[str]
    evidence: str | None = None
    kind: Literal["on-topic", "off-topic", "fact-absent"] | None = Field(
        None,
        description="For unanswerable questions: about the articles' subject with a name or "
        "number they never mention, not about it at all, or about names they mention but a fact "
        "they do not give",
    )

    @property
    def answerable(self) -> bool:
        return bool(self.sources)

    @property
    def category(self) -> str:
        return "answerable" if self.sources else (self.kind or "off-topic")


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read and validate an eval file; ids must be unique."""
    if not Path(path).is_file():
        raise RagError(f"Eval file {str(path)!r} does not exist")
    questions: list[EvalQuestion] = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                questions.append(EvalQuestion.model_validate(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise RagError(
                    f"{path}:{number}: not JSON ({exc.msg}, column {exc.colno})"
                ) from exc
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg'].lower()}"
                    for e in exc.errors()
                )
                raise RagError(
                    f"{path}:{number}: not a valid eval question ({problems}); see the README's "
                    "'Eval file format'"
                ) from None
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise RagError(
            f"{path}: question ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    return questions
