"""Does bf16 autocast speed up training on this CPU? The same job (mini-bert, batch 32 x 64 tokens) trained in
fp32 and in bf16, alternately, REPEATS times each; the best time of each is kept (the machine is shared).
Writes bench/results/trainer-precision.json: seconds per step, the ratio fp32 / bf16 (above 1: bf16 is
faster), and each run's final training loss (bf16 must track fp32).

  OMP_NUM_THREADS=2 PYTHONPATH=training-runner .venv/bin/python bench/trainer_precision.py
"""

from __future__ import annotations

import io
import json
import os
import platform
import random
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402

from trainer.config import parse_job  # noqa: E402
from trainer.events import Events  # noqa: E402
from trainer.run import load_data  # noqa: E402
from trainer.tokenizer import train_tokenizer  # noqa: E402
from trainer.train import train  # noqa: E402

STEPS = int(os.environ.get("BENCH_STEPS", "30"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "2"))
WORDS = "the a meeting report team project update schedule notes review code server build lunch budget".split()
OUT = Path(__file__).resolve().parent / "results" / "trainer-precision.json"


def dataset(path: Path) -> Path:
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as out:
        for i in range(2000):
            words = rng.choices(WORDS, k=rng.randint(30, 60))
            if i % 2 == 0:
                words.insert(rng.randrange(len(words)), rng.choice(["prize", "winner", "free", "cash"]))
            out.write(json.dumps({"text": " ".join(words), "label": "spam" if i % 2 == 0 else "ham"}) + "\n")
    return path


def main() -> None:
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    tmp = Path(tempfile.mkdtemp())
    raw = {
        "model": {"base": "mini-bert"},
        "task": {"labels": ["ham", "spam"]},
        "data": {"train": str(dataset(tmp / "train.jsonl")), "validation_fraction": 0.05},
        "tokenizer": {"vocab_size": 500, "min_frequency": 1},
        "schedule": {"steps": STEPS, "batch_size": 32, "max_seq_length": 64, "warmup_steps": 3,
                     "eval_interval": STEPS, "log_interval": STEPS},
        "device": "cpu",
    }
    job = parse_job(raw, Path("/"))
    train_set, validation_set = load_data(job)
    tokenizer = train_tokenizer((e.text for e in train_set), job.tokenizer, 64)
    results: dict[str, dict[str, float]] = {}
    for _ in range(REPEATS):
        for precision in ("fp32", "bf16"):
            stream = io.StringIO()
            result = train(parse_job({**raw, "precision": precision}, Path("/")), tokenizer, train_set,
                           validation_set, Events(stream))
            per_step = result.metrics["train_seconds"] / STEPS  # includes the one evaluation
            best = results.setdefault(precision, {"seconds_per_step": per_step})
            best["seconds_per_step"] = min(best["seconds_per_step"], per_step)
            best["final_train_loss"] = result.metrics["train_loss"]
    flags = open("/proc/cpuinfo", encoding="utf-8").read().split()
    report = {
        "what": "mini-bert training step (batch 32 x 64 tokens), fp32 vs bf16 autocast on CPU",
        "cpu": platform.processor() or platform.machine(),
        "cpu_bf16_instructions": sorted({f for f in flags if f in ("avx512_bf16", "amx_bf16", "avx512f")}),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "steps": STEPS,
        "repeats": REPEATS,
        "results": results,
        "fp32_over_bf16_time": results["fp32"]["seconds_per_step"] / results["bf16"]["seconds_per_step"],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
