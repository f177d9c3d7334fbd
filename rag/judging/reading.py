"""The bundled reader: an int8 ONNX cross-encoder that scores (question, window) pairs.

It ships as package data in `reader_model/` (built by `make reader`, see its MODEL_CARD.md):
`model.onnx`, `tokenizer.json` and `manifest.json`, which holds the model file's SHA-256, the
token limit it was trained with and the operating point chosen on tuning data. Loading checks
the checksum, so a damaged or partly copied model is refused in one line instead of scoring
nonsense. Only onnxruntime, tokenizers and numpy are needed: no torch, no network.
"""

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ConfigError, MissingDependencyError

BUNDLED = Path(__file__).with_name("reader_model")


@dataclass(frozen=True)
class Manifest:
    sha256: str
    max_tokens: int
    threshold: float  # from which the question is answered, chosen on tuning data only
    combiner: tuple[float, float, float] | None = None  # reader, word signals, bias (logits)
    reorder: bool = False  # put the passage with the best window first (where that helped)

    def decide(self, reader: float, signals: float | None) -> float:
        """The probability the judge compares with `threshold`: the reader's own, or, when a
        combiner was fitted, a logistic mix of its logit and the word-signal model's."""
        if self.combiner is None or signals is None:
            return reader
        return float(mix(reader, signals, self.combiner))


def logit(p: Any) -> Any:
    """log-odds of a probability or an array of them, clipped off 0 and 1."""
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def mix(reader: Any, signals: Any, combiner: tuple[float, float, float]) -> Any:
    """The combiner's probability from the reader's and the word-signal model's (floats or
    arrays): the judge's decision and `make reader`'s fitting use this one formula."""
    a, b, bias = combiner
    return 1.0 / (1.0 + np.exp(-(a * logit(reader) + b * logit(signals) + bias)))


class Reader:
    """Probabilities that each window answers (or states) what the question asks."""

    def __init__(self, folder: Path = BUNDLED, threads: int = 0) -> None:
        """`threads`: 0 is every core, for one question's windows at a time (the answer slots
        of admission control keep concurrent answers to about one per core)."""
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingDependencyError(
                "The reader needs onnxruntime and tokenizers: pip install onnxruntime tokenizers"
            ) from exc
        self.manifest = _manifest(folder)
        model = folder / "model.onnx"
        data = model.read_bytes()
        if hashlib.sha256(data).hexdigest() != self.manifest.sha256:
            raise ConfigError(
                f"The reader model {model} is damaged (its checksum differs from manifest.json): "
                "reinstall newsrag, or rebuild it with `make reader`"
            )
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(
            max_length=self.manifest.max_tokens, strategy="only_second"
        )
        self._tokenizer.enable_padding(pad_id=self._tokenizer.token_to_id("[PAD]") or 0)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        self._names = {i.name for i in self._session.get_inputs()}

    def scores(self, question: str, windows: Sequence[str]) -> list[float]:
        """P(window answers the question) for each window, in order. Each distinct window is
        read once and alone: int8 activations are scaled per call, so a window read in a batch
        (padding and all) scored up to 0.07 differently by its company; alone, it scores the
        same wherever it is read, at the same speed for the few windows a judge reads."""
        found = {w: self._batch([(question, w)])[0] for w in dict.fromkeys(windows)}
        return [found[w] for w in windows]

    def _batch(self, pairs: list[tuple[str, str]]) -> list[float]:
        encoded = self._tokenizer.encode_batch(pairs)
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        logits = self._session.run(None, {k: v for k, v in feeds.items() if k in self._names})[0]
        return (1.0 / (1.0 + np.exp(-logits.reshape(-1)))).tolist()


def _manifest(folder: Path) -> Manifest:
    path = folder / "manifest.json"
    if not (folder / "model.onnx").is_file() or not path.is_file():
        raise ConfigError(
            f"The reader model is missing from {folder}: reinstall newsrag, rebuild it with "
            "`make reader`, or set RAG_JUDGE=signals"
        )
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        combiner = raw.get("combiner")
        return Manifest(
            str(raw["sha256"]),
            int(raw["max_tokens"]),
            float(raw["threshold"]),
            (combiner["reader"], combiner["signals"], combiner["bias"]) if combiner else None,
            bool(raw.get("reorder", False)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"The reader's {path} is malformed ({exc}): rebuild it") from exc


_loading = threading.Lock()


@lru_cache(maxsize=4)
def _loaded(folder: Path) -> Reader:
    return Reader(folder)


def reader(folder: Path = BUNDLED) -> Reader:
    """One Reader per folder per process: the judge and the claim checker share it."""
    with _loading:
        return _loaded(folder)
