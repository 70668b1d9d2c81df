"""Two processes under torchrun (gloo on CPU) reproduce the one-process run with the same global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from safetensors.torch import load_file

from .conftest import RUNNER_DIR, Trained, job_dict, keyword_dataset, train_job


def launch(job: dict[str, Any], out: Path, nproc: int) -> list[dict[str, Any]]:
    job_path = out.with_suffix(".json")
    job_path.write_text(json.dumps(job), encoding="utf-8")
    trainer = ["-m", "trainer", "--job", str(job_path), "--out", str(out)]
    torchrun = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}"]
    env = {**os.environ, "PYTHONPATH": str(RUNNER_DIR), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, *(torchrun if nproc > 1 else []), *trainer]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trained, list[dict[str, Any]], Path]:
    """The same job trained in this process, and by two processes under torchrun."""
    tmp = tmp_path_factory.mktemp("ddp")
    # 96 training examples in batches of 19: each epoch ends with a batch of one, which leaves rank 1 without
    # rows; two micro-batches per step exercise gradient accumulation under DDP (all-reduce on the last one)
    raw = job_dict(
        keyword_dataset(tmp / "train.jsonl", 120), steps=12, batch_size=19, grad_accumulation_steps=2,
        warmup_steps=2, eval_interval=6, log_interval=1,
    )
    raw["techniques"] = [{"name": "dropout", "hidden": 0, "attention": 0}]  # masks are drawn per process
    return train_job(raw), launch(raw, tmp / "out", 2), tmp / "out"


def test_two_processes_train_the_same_model_as_one(runs: tuple) -> None:
    single, double, out = runs
    one = {k: v.contiguous() for k, v in single.model.state_dict().items()}
    two = load_file(str(out / "model" / "model.safetensors"))
    assert one.keys() == two.keys()
    # the same sums in another order differ by ~1e-7; Adam divides by sqrt(v), so in the weights that becomes
    # ~1e-5 after a dozen steps (measured 1.4e-5), while one step moves a weight by up to the learning rate
    worst = max(float((one[k] - two[k]).abs().max()) for k in one)
    assert worst <= 5e-5
    losses = [(e["step"], e["loss"]) for e in single.of("step")]
    assert len(losses) == 12
    for (step, loss), other in zip(losses, (e for e in double if e["type"] == "step"), strict=True):
        assert other["step"] == step and abs(other["loss"] - loss) <= 1e-5
    evals = [[(e["loss"], e["accuracy"]) for e in run if e["type"] == "eval"] for run in (single.events, double)]
    assert len(evals[0]) == 2 and all(abs(a[0] - b[0]) <= 1e-5 and a[1] == b[1] for a, b in zip(*evals, strict=True))


def test_only_rank_zero_writes(runs: tuple) -> None:
    _, double, out = runs
    assert [e["type"] for e in double].count("start") == 1  # one stream of events, not two
    assert next(e for e in double if e["type"] == "start")["processes"] == 2
    assert [e["type"] for e in double][-3:] == ["checkpoint", "export", "done"]
    assert sorted(p.name for p in (out / "model").iterdir()) == [
        "config.json", "model.safetensors", "onnx", "tokenizer.json", "tokenizer_config.json"
    ]
