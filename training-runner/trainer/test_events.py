from __future__ import annotations

import io
import json

import pytest

from .conftest import CliRun
from .events import Events

FIELDS = {
    "start": {
        "device": str,
        "precision": str,
        "parameters": int,
        "trainable_parameters": int,
        "vocab_size": int,
        "train_examples": int,
        "validation_examples": int,
        "steps": int,
        "start_step": int,
    },
    "step": {"step": int, "loss": float, "lr": float, "grad_norm": float, "tokens_per_s": float},
    "eval": {"step": int, "loss": float, "accuracy": float},
    "checkpoint": {"path": str},
    "export": {"path": str, "max_abs_diff": float},
    "snapshot": {"step": int, "path": str},
    "early_stop": {"step": int},
    "done": {"metrics": dict},
}


def test_stdout_is_only_json_event_lines_with_the_documented_fields(cli_run: CliRun) -> None:
    lines = cli_run.stdout.splitlines()
    assert len(lines) == len(cli_run.events) > 0
    for line in lines:
        event = json.loads(line)
        expected = FIELDS[event.pop("type")]
        assert set(event) == set(expected), line
        for name, kind in expected.items():
            value = event[name]
            assert isinstance(value, kind) or (kind is float and isinstance(value, int)), (name, line)


def test_events_arrive_in_order(cli_run: CliRun) -> None:
    types = [e["type"] for e in cli_run.events]
    assert types[0] == "start" and types[-3:] == ["checkpoint", "export", "done"]
    steps = [e["step"] for e in cli_run.events if e["type"] == "step"]
    assert steps == list(range(5, 81, 5))  # log_interval 5, 80 steps
    evals = [e["step"] for e in cli_run.events if e["type"] == "eval"]
    assert evals == [20, 40, 60, 80]
    start = cli_run.events[0]
    assert (start["device"], start["precision"], start["steps"]) == ("cpu", "fp32", 80)
    assert (start["train_examples"], start["validation_examples"]) == (320, 80)


def test_done_carries_the_final_metrics(cli_run: CliRun) -> None:
    metrics = cli_run.events[-1]["metrics"]
    last_eval = [e for e in cli_run.events if e["type"] == "eval"][-1]
    assert metrics["eval_accuracy"] == last_eval["accuracy"] and metrics["eval_loss"] == last_eval["loss"]
    assert metrics["onnx_max_abs_diff"] == cli_run.events[-2]["max_abs_diff"]
    assert set(metrics) >= {"train_loss", "majority_baseline", "steps", "train_seconds"}


def test_an_event_is_one_compact_line_and_never_nan() -> None:
    stream = io.StringIO()
    Events(stream).emit("eval", step=3, loss=0.5, accuracy=1.0)
    assert stream.getvalue() == '{"type": "eval", "step": 3, "loss": 0.5, "accuracy": 1.0}\n'
    with pytest.raises(ValueError, match="loss is nan"):
        Events(stream).emit("step", step=4, loss=float("nan"))
