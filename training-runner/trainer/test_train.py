from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import torch

from .config import ScheduleConfig, parse_job
from .conftest import CliRun, job_dict, keyword_dataset
from .errors import TrainerError
from .events import Events
from .run import load_data
from .tokenizer import train_tokenizer
from .techniques.lr_schedules import lr_factor
from .techniques.optimizers import make_optimizer
from .train import pick_device, train


def step_events(run: CliRun) -> list[dict[str, Any]]:
    return [e for e in run.events if e["type"] == "step"]


def test_the_loss_goes_down(cli_run: CliRun) -> None:
    steps = step_events(cli_run)
    assert steps[0]["loss"] > 0.6  # about ln 2: guessing
    assert steps[-1]["loss"] < 0.2
    evals = [e for e in cli_run.events if e["type"] == "eval"]
    assert evals[-1]["loss"] < evals[0]["loss"] / 2


def test_the_accuracy_beats_chance(cli_run: CliRun) -> None:
    metrics = next(e for e in cli_run.events if e["type"] == "done")["metrics"]
    assert metrics["majority_baseline"] < 0.6
    assert metrics["eval_accuracy"] >= 0.9


def test_the_learning_rate_warms_up_then_decays(cli_run: CliRun) -> None:
    factor = lr_factor("linear", warmup_steps=4, steps=10)
    assert [round(factor(done), 3) for done in range(10)] == [
        0.25, 0.5, 0.75, 1.0, 1.0, 0.833, 0.667, 0.5, 0.333, 0.167,
    ]  # fmt: skip
    lrs = [e["lr"] for e in step_events(cli_run)]
    peak = job_dict(Path("x"))["schedule"]["learning_rate"]
    assert max(lrs) <= peak and lrs.index(max(lrs)) == 1 and lrs[-1] < peak / 10


def test_weight_decay_applies_to_matrices_only() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))
    decayed, not_decayed = make_optimizer(model, ScheduleConfig()).param_groups
    assert decayed["weight_decay"] == 0.01 and [p.shape for p in decayed["params"]] == [(4, 3)]
    assert not_decayed["weight_decay"] == 0.0 and len(not_decayed["params"]) == 3


def short_run(train_path: Path, seed: int) -> tuple[list[dict[str, Any]], dict[str, torch.Tensor]]:
    raw = job_dict(train_path, steps=6, warmup_steps=2, log_interval=1, eval_interval=3, seed=seed)
    job = parse_job(raw, Path("/"))
    train_set, validation_set = load_data(job)
    tokenizer = train_tokenizer((e.text for e in train_set), job.tokenizer, job.schedule.max_seq_length)
    stream = io.StringIO()
    result = train(job, tokenizer, train_set, validation_set, Events(stream))
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    for event in events:
        event.pop("tokens_per_s", None)  # wall-clock
    return events, result.model.state_dict()


def test_a_cpu_run_is_a_function_of_the_seed(tmp_path: Path) -> None:
    train_path = keyword_dataset(tmp_path / "train.jsonl", 120)
    events, weights = short_run(train_path, seed=3)
    again, weights_again = short_run(train_path, seed=3)
    other, _ = short_run(train_path, seed=4)
    assert events == again
    assert all(torch.equal(weights[name], weights_again[name]) for name in weights)
    assert [e.get("loss") for e in other] != [e.get("loss") for e in events]


def test_device_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device("auto")[0].type == "cpu"
    with pytest.raises(TrainerError, match='device "cuda" was requested but CUDA is not available'):
        pick_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device("auto")[0].type == "cuda"
    assert pick_device("cpu")[0].type == "cpu"
