"""Which language a question is in, and which languages the embedding model can read.

An English-only model embeds a Chinese question into noise that still scores like a match, so
a question in a language the model does not read is flagged instead of answered. Detection is
py3langid (small, offline, microseconds a question). Names sway it ("How much did Arsenal pay
Borussia Dortmund for Aubameyang?" reads as Nigerian Pidgin), so a foreign guess is checked word
by word against wordfreq on the question without its names and numbers: when most of those words
are at least as common in a language the model reads as in the guessed one, the question is
readable whatever the guess said.
"""

import re
from functools import lru_cache
from pathlib import Path

MIN_CONFIDENCE = 0.2  # low: the word check below keeps English questions with names
READABLE_SHARE = 0.6  # of a question's words common in a language the model reads
COMMON_ZIPF = 3.0  # wordfreq's Zipf scale: 3 = once per million words
ANY = "any"
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """The most likely ISO 639-1 code of `text` and its probability."""
    code, probability = _identifier().classify(text)
    return str(code), float(probability)


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    """A language's name in English ("zh" -> "Chinese"), from langcodes' CLDR data."""
    import langcodes

    try:
        return str(langcodes.Language.get(code).display_name())
    except (LookupError, ValueError, ImportError):
        return code


def words_of(text: str) -> list[str]:
    """The question's words without names: capitalised words after the first, and numbers."""
    found = _WORD.findall(text)
    return [w.lower() for i, w in enumerate(found) if i == 0 or not w[:1].isupper()]


def unreadable_language(text: str, languages: frozenset[str] | None) -> str | None:
    """The language of `text` when the model surely cannot read it; None when it can, or we are unsure."""
    if not languages or ANY in languages:
        return None
    code, probability = detect(text)
    if code in languages or probability < MIN_CONFIDENCE:
        return None
    words = words_of(text)
    readable = sum(_readable(w, code, languages) for w in words)
    return None if readable >= READABLE_SHARE * len(words) else code


def _readable(word: str, guess: str, languages: frozenset[str]) -> bool:
    ours = max(_zipf(word, lang) for lang in languages)
    return ours >= max(COMMON_ZIPF, _zipf(word, guess))


@lru_cache(maxsize=65536)
def _zipf(word: str, lang: str) -> float:
    """How common a word is in a language (0 where wordfreq has no list for it)."""
    from wordfreq import available_languages, zipf_frequency

    if lang not in available_languages():
        return 0.0
    try:
        return float(zipf_frequency(word, lang))
    except ImportError:  # Chinese and Japanese lists need a tokenizer we do not install
        return 0.0


def model_card_languages(model_folder: str) -> frozenset[str] | None:
    """The `language:` list of a local model's card (README.md front matter); None when unknown."""
    card_path = Path(model_folder) / "README.md"
    if not card_path.is_file():
        return None
    from huggingface_hub import ModelCard

    try:
        data = ModelCard.load(card_path).data
    except (OSError, ValueError):
        return None
    found = data.language if data else None
    if isinstance(found, str):
        found = [found]
    return frozenset(code.lower() for code in found) if found else None
