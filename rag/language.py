"""Which language a question is in, and which languages the embedding model can read.

An English-only model embeds a Chinese question into noise that still scores like a match, so
a question in a language the model does not read is flagged instead of answered. Detection is
py3langid (small, offline, microseconds a question); a guess below MIN_CONFIDENCE is ignored,
because short English questions full of names ("Who is Hu Xijin?") get weak foreign guesses.
"""

from functools import lru_cache
from pathlib import Path

MIN_CONFIDENCE = 0.5
ANY = "any"
_NAMES = {
    "ar": "Arabic", "de": "German", "en": "English", "es": "Spanish", "fa": "Persian",
    "fr": "French", "hi": "Hindi", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "sv": "Swedish",
    "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "zh": "Chinese",
}  # fmt: skip


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """The most likely ISO 639-1 code of `text` and its probability."""
    code, probability = _identifier().classify(text)
    return str(code), float(probability)


def language_name(code: str) -> str:
    """A readable name for a language code ("zh" -> "Chinese (zh)")."""
    return f"{_NAMES[code]} ({code})" if code in _NAMES else repr(code)


def unreadable_language(text: str, languages: frozenset[str] | None) -> str | None:
    """The language of `text` when the model surely cannot read it; None when it can, or we are unsure."""
    if not languages or ANY in languages:
        return None
    code, probability = detect(text)
    if code in languages or probability < MIN_CONFIDENCE:
        return None
    return code


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
