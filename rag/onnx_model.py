"""A sentence-transformers model run on ONNX Runtime: exported once, cached, fp32 or int8.

sentence-transformers' own ONNX backend needs Optimum, whose ONNX Runtime part pins
transformers below 5; this exports the model's transformer with `torch.onnx` instead (eager
attention, so ONNX Runtime fuses it), quantises it with ONNX Runtime's dynamic int8 quantiser
when asked, and applies the model's own pooling and normalisation in numpy. The export goes
into RAG_MODEL_CACHE_DIR, keyed by the model's files, never into site-packages.
"""

import hashlib
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rag.errors import MissingDependencyError

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def cached_export(model: Any, source: str, cache_dir: Path, int8: bool) -> Path:
    """The ONNX file for `model` (exported, and quantised for int8, on first use)."""
    key = _model_key(source)
    folder = Path(cache_dir).expanduser() / f"{Path(source).name}-{key}"
    target = folder / ("model-int8.onnx" if int8 else "model.onnx")
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / "model.onnx"
    if not fp32.exists():
        print(f"Exporting {Path(source).name} to ONNX in {folder} (once)", file=sys.stderr)
        _export(model, fp32)
    if int8:
        print(f"Quantising {fp32.name} to int8 (once)", file=sys.stderr)
        _quantise(fp32, target)
    return target


def _model_key(source: str) -> str:
    """A hash of the model's weight and config files, so an updated model is exported anew."""
    digest = hashlib.sha256()
    root = Path(source)
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
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
        quantize_dynamic(str(fp32), str(staged), weight_type=QuantType.QInt8)
        staged.rename(out)


class OnnxSentenceModel:
    """What the embedder uses of a SentenceTransformer, with the transformer run by ONNX Runtime."""

    def __init__(self, model: Any, onnx_file: Path) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise MissingDependencyError(
                "RAG_EMBED_BACKEND=onnx needs onnxruntime: pip install onnxruntime (or set "
                "RAG_EMBED_BACKEND=torch)"
            ) from exc
        pooling = model[1].get_config_dict()
        if pooling.get("pooling_mode") not in ("mean", "cls"):
            raise MissingDependencyError(
                f"The ONNX backend supports mean and CLS pooling; this model pools by "
                f"{pooling.get('pooling_mode')!r}: use RAG_EMBED_BACKEND=torch"
            )
        self._mean = pooling["pooling_mode"] == "mean"
        self._normalise = any(type(m).__name__ == "Normalize" for m in model)
        self.tokenizer = model.tokenizer
        self.max_seq_length = int(model.max_seq_length)
        self._dim = int(model.get_embedding_dimension())
        self._prompts = dict(model.prompts or {})
        options = ort.SessionOptions()
        # idle ORT threads otherwise spin for work, taking the cores a server's own threads need
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._names = {i.name for i in self._session.get_inputs()}

    def get_embedding_dimension(self) -> int:
        return self._dim

    def encode_query(
        self, texts: Sequence[str], batch_size: int = 32, **_: Any
    ) -> NDArray[np.float32]:
        return self._encode(texts, self._prompts.get("query", ""), batch_size)

    def encode_document(
        self, texts: Sequence[str], batch_size: int = 32, **_: Any
    ) -> NDArray[np.float32]:
        return self._encode(texts, self._prompts.get("document", ""), batch_size)

    def _encode(self, texts: Sequence[str], prompt: str, batch_size: int) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), max(batch_size, 1)):
            rows = order[start : start + batch_size]
            out[rows] = self._batch([prompt + texts[i] for i in rows])
        return out

    def _batch(self, texts: list[str]) -> NDArray[np.float32]:
        encoded = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_seq_length,
            return_tensors="np",
        )
        feeds = {n: encoded[n].astype(np.int64) for n in _INPUTS if n in self._names}
        if "token_type_ids" in self._names and "token_type_ids" not in encoded:
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        hidden = self._session.run(None, feeds)[0]
        if self._mean:
            mask = encoded["attention_mask"][..., None].astype(np.float32)
            vectors = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        else:
            vectors = hidden[:, 0]
        if self._normalise:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors.astype(np.float32)
