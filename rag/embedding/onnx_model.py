"""A sentence-transformers model run on ONNX Runtime: exported once, cached, fp32 or int8.

sentence-transformers' own ONNX backend needs Optimum, whose ONNX Runtime part pins
transformers below 5; this exports the model's transformer with `torch.onnx` instead (eager
attention, so ONNX Runtime fuses it), quantises it with ONNX Runtime's dynamic int8 quantiser
when asked, and applies the model's own pooling and normalisation in numpy. The export goes
into RAG_MODEL_CACHE_DIR, keyed by the model's files, never into site-packages. Once exported,
the model runs from its config files, its `tokenizer.json` and the ONNX file alone: neither
torch nor transformers is loaded (~250 MiB and seconds of start-up saved).
"""

import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rag.errors import MissingDependencyError

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
INT8_KIND = "int8-per-channel"  # names the quantisation in the cached file and in manifests
_MODULES = {
    "sentence_transformers.models.Transformer": "transformer",
    "sentence_transformers.models.Pooling": "pooling",
    "sentence_transformers.models.Normalize": "normalize",
}


@dataclass(frozen=True)
class Layout:
    """What running a sentence-transformers folder takes, read from its config files."""

    transformer: Path
    max_seq_length: int
    dim: int
    mean: bool
    normalise: bool
    prompts: dict[str, str]


def read_layout(folder: Path) -> Layout:
    """The model's modules, pooling and limits; models this path cannot run exactly are refused."""
    modules = _json(folder / "modules.json") or [
        {"type": "sentence_transformers.models.Transformer", "path": ""},
        {"type": "sentence_transformers.models.Pooling", "path": ""},
    ]  # a plain transformers folder: sentence-transformers mean-pools it
    kinds: dict[str, Path] = {}
    for module in modules:
        kind = _MODULES.get(module["type"])
        if kind is None:
            raise _unsupported(f"a {module['type'].rsplit('.', 1)[-1]} module")
        kinds[kind] = folder / module.get("path", "")
    transformer = kinds.get("transformer", folder)
    config = _json(transformer / "config.json") or {}
    pooling = _json(kinds.get("pooling", transformer) / "config.json") or {}
    flags = {
        k.removeprefix("pooling_mode_")
        for k, v in pooling.items()
        if k.startswith("pooling_mode_") and v is True
    }
    modes = {pooling["pooling_mode"]} if pooling.get("pooling_mode") else flags or {"mean_tokens"}
    mode = ", ".join(sorted(modes))
    if (
        mode not in ("mean_tokens", "mean", "cls_token", "cls")
        or pooling.get("include_prompt") is False
    ):
        raise _unsupported(f"{mode} pooling")
    limit = int(config.get("max_position_embeddings", 512))
    bert = _json(transformer / "sentence_bert_config.json") or {}
    st = _json(folder / "config_sentence_transformers.json") or {}
    if not (transformer / "tokenizer.json").is_file():
        raise _unsupported("no tokenizer.json (a fast tokenizer)")
    return Layout(
        transformer=transformer,
        max_seq_length=min(int(bert.get("max_seq_length") or limit), limit),
        dim=int(pooling.get("word_embedding_dimension") or config["hidden_size"]),
        mean=mode.startswith("mean"),
        normalise="normalize" in kinds,
        prompts=dict(st.get("prompts") or {}),
    )


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _unsupported(what: str) -> MissingDependencyError:
    return MissingDependencyError(
        f"The ONNX backend runs Transformer, mean or CLS Pooling and Normalize modules; this "
        f"model has {what}: set RAG_EMBED_BACKEND=torch"
    )


def cached_export(folder: Path, cache_dir: Path, int8: bool, load: Callable[[], Any]) -> Path:
    """The ONNX file for the model in `folder`, exported from `load()` (and quantised for int8)
    on first use."""
    folder_key = _model_key(folder)
    target_dir = Path(cache_dir).expanduser() / f"{folder.name}-{folder_key}"
    target = target_dir / (f"model-{INT8_KIND}.onnx" if int8 else "model.onnx")
    if target.exists():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    fp32 = target_dir / "model.onnx"
    if not fp32.exists():
        print(f"Exporting {folder.name} to ONNX in {target_dir} (once)", file=sys.stderr)
        _export(load(), fp32)
    if int8:
        print(f"Quantising {fp32.name} to int8 (once)", file=sys.stderr)
        _quantise(fp32, target)
    return target


def _model_key(root: Path) -> str:
    """A hash of the model's weight and config files, so an updated model is exported anew."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".json", ".safetensors", ".bin", ".txt"):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(str(path.stat().st_size).encode())
            digest.update(str(int(path.stat().st_mtime)).encode())
    return digest.hexdigest()[:12]


def _export(model: Any, out: Path) -> None:
    import torch

    transformer = model[0].auto_model.eval()
    transformer.set_attn_implementation("eager")  # SDPA exports as a graph ONNX Runtime cannot fuse

    class Forward(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = model.tokenizer(
        ["an example", "a longer example text"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    with (
        tempfile.TemporaryDirectory(dir=out.parent) as tmp,
        torch.no_grad(),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # tracer notes on shapes; outputs are checked in tests
        staged = Path(tmp) / out.name
        torch.onnx.export(
            Forward(),
            tuple(sample[name] for name in _INPUTS),
            str(staged),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
        staged.rename(out)


def _quantise(fp32: Path, out: Path) -> None:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise MissingDependencyError(
            "RAG_EMBED_BACKEND=onnx-int8 needs onnx and onnxruntime: pip install onnx onnxruntime"
        ) from exc
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        staged = Path(tmp) / out.name
        # a scale per output channel: cosine to fp32 0.994 instead of 0.938 per tensor, same speed
        quantize_dynamic(str(fp32), str(staged), weight_type=QuantType.QInt8, per_channel=True)
        staged.rename(out)


class OnnxSentenceModel:
    """What the embedder uses of a SentenceTransformer, with the transformer run by ONNX Runtime
    and the text tokenised by the `tokenizers` library from the model's own tokenizer.json."""

    def __init__(self, layout: Layout, onnx_file: Path) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingDependencyError(
                "RAG_EMBED_BACKEND=onnx needs onnxruntime and tokenizers: pip install onnxruntime "
                "tokenizers (or set RAG_EMBED_BACKEND=torch)"
            ) from exc
        self._ort = ort
        self._layout = layout
        self.max_seq_length = layout.max_seq_length
        self._counter = Tokenizer.from_file(str(layout.transformer / "tokenizer.json"))
        self._counter.no_truncation()  # counts are exact, however long the text
        self._counter.no_padding()
        self._words_add_up = _bert_like(self._counter)
        self._specials = self._counter.num_special_tokens_to_add(False)
        self._word_counts: dict[str, int] = {}
        self._batcher = Tokenizer.from_file(str(layout.transformer / "tokenizer.json"))
        self._batcher.enable_truncation(max_length=layout.max_seq_length)
        pad = _pad_token(layout.transformer)
        self._batcher.enable_padding(pad_id=self._batcher.token_to_id(pad) or 0, pad_token=pad)
        self._onnx_file = onnx_file
        self._session = self._open(threads=0, arena=False)  # documents: every core in each pass
        self._question_session: Any = None
        self._opening = threading.Lock()
        self._names = {i.name for i in self._session.get_inputs()}
        self.query_runners = _cores()

    def _open(self, threads: int, arena: bool = True) -> Any:
        """`arena`: ORT's memory arena keeps the buffers of the largest batch ever run; a
        session for batches of documents goes without, so a big upload's peak is given back."""
        options = self._ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.enable_cpu_mem_arena = arena
        # idle ORT threads otherwise spin for work, taking the cores a server's own threads need
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return self._ort.InferenceSession(
            str(self._onnx_file), options, providers=["CPUExecutionProvider"]
        )

    def _questions(self) -> Any:
        """A one-thread session, opened on first use, that `query_runners` callers run side by
        side. A question is a few tokens: splitting its pass across cores costs more in waking
        threads than it saves (here 3.5 ms of CPU on one core, 4.8 ms split over two), so one
        core per question and one question per core serve the most per second."""
        with self._opening:
            if self._question_session is None:
                self._question_session = self._open(threads=1)
            return self._question_session

    def get_embedding_dimension(self) -> int:
        return self._layout.dim

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Word pieces the model sees, special tokens included.

        The chunker asks this of every longer candidate chunk, so for BERT's tokenizer, whose
        count of a text is exactly the sum of its space- or newline-separated words' counts
        (its normaliser works char by char and it splits at every whitespace), words are
        counted once and remembered; any other tokenizer counts whole texts."""
        if not self._words_add_up:
            encoded = self._counter.encode_batch_fast(list(texts), add_special_tokens=True)
            return [len(e.ids) for e in encoded]
        split = [_SPACES.split(text) for text in texts]
        new = list({w for words in split for w in words if w not in self._word_counts})
        if len(self._word_counts) + len(new) > _WORD_CACHE:
            self._word_counts.clear()
            new = list({w for words in split for w in words})
        encoded = self._counter.encode_batch_fast(new, add_special_tokens=False)
        self._word_counts.update(zip(new, (len(e.ids) for e in encoded), strict=True))
        return [self._specials + sum(self._word_counts[w] for w in words) for words in split]

    def encode_query(
        self, texts: Sequence[str], batch_size: int = 32, side_by_side: bool = False, **_: Any
    ) -> NDArray[np.float32]:
        """`side_by_side`: other callers run passes at the same time (a server's query workers),
        so this one keeps to one core; a lone caller's batch gets every core."""
        session = self._questions() if side_by_side else self._session
        return self._encode(texts, self._layout.prompts.get("query", ""), batch_size, session)

    def encode_document(
        self, texts: Sequence[str], batch_size: int = 32, **_: Any
    ) -> NDArray[np.float32]:
        prompt = self._layout.prompts.get("document", "")
        return self._encode(texts, prompt, batch_size, self._session)

    def _encode(
        self, texts: Sequence[str], prompt: str, batch_size: int, session: Any
    ) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self._layout.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), max(batch_size, 1)):
            rows = order[start : start + batch_size]
            out[rows] = self._batch([prompt + texts[i] for i in rows], session)
        return out

    def _batch(self, texts: list[str], session: Any) -> NDArray[np.float32]:
        encoded = self._batcher.encode_batch(texts)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": mask,
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        hidden = session.run(None, {n: v for n, v in feeds.items() if n in self._names})[0]
        if self._layout.mean:
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        else:
            vectors = hidden[:, 0]
        if self._layout.normalise:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors.astype(np.float32)


_SPACES = re.compile(r"[ \n]+")
_WORD_CACHE = 200_000


def _bert_like(tokenizer: Any) -> bool:
    """BERT's normaliser and pre-tokenizer with WordPiece: counts add up over words."""
    from tokenizers import models, normalizers, pre_tokenizers

    return (
        isinstance(tokenizer.normalizer, normalizers.BertNormalizer)
        and isinstance(tokenizer.pre_tokenizer, pre_tokenizers.BertPreTokenizer)
        and isinstance(tokenizer.model, models.WordPiece)
    )


def _cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _pad_token(folder: Path) -> str:
    """The padding token the model was trained with, as its tokenizer files name it."""
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        token = (_json(folder / name) or {}).get("pad_token")
        if isinstance(token, dict):
            token = token.get("content")
        if isinstance(token, str):
            return token
    padding = (_json(folder / "tokenizer.json") or {}).get("padding") or {}
    return str(padding.get("pad_token", "[PAD]"))
