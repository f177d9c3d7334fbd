"""Export trained reader weights to the int8 ONNX model the service ships.

The classifier is traced with `torch.onnx` (eager attention, so ONNX Runtime fuses it), then
quantised with ONNX Runtime's dynamic int8 quantiser, a scale per output channel, as the
embedder is. The folder gets `model.onnx`, the tokenizer's `tokenizer.json` and a
`manifest.json` whose checksum the service checks at load; the operating point is written into
the manifest by the measuring step, which chooses it on tuning data.
"""

import hashlib
import json
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from eval.reader.train import MAX_TOKENS

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export(weights: Path, out: Path, threshold: float = 0.5) -> Path:
    """Write the int8 model, tokenizer and manifest for `weights` into `out`."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(weights, num_labels=1).eval()
    model.set_attn_implementation("eager")
    tokenizer = AutoTokenizer.from_pretrained(weights)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fp32 = Path(tmp) / "model-fp32.onnx"
        sample = tokenizer(
            ["a question?", "another one"],
            ["a window.", "a longer window."],
            padding=True,
            return_tensors="pt",
        )
        torch.onnx.export(
            _Logits(model),
            tuple(sample[name] for name in _INPUTS),
            str(fp32),
            input_names=list(_INPUTS),
            output_names=["logits"],
            dynamic_axes={
                **{n: {0: "batch", 1: "tokens"} for n in _INPUTS},
                "logits": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        int8 = Path(tmp) / "model.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        shutil.copyfile(int8, out / "model.onnx")
    shutil.copyfile(Path(weights) / "tokenizer.json", out / "tokenizer.json")
    write_manifest(out, threshold)
    return out


def write_manifest(out: Path, threshold: float, **extra: Any) -> None:
    digest = hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest()
    manifest = {"sha256": digest, "max_tokens": MAX_TOKENS, "threshold": round(threshold, 4)}
    (out / "manifest.json").write_text(json.dumps({**manifest, **extra}, indent=2) + "\n")


def _Logits(model: Any) -> Any:
    import torch

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    return Logits()
