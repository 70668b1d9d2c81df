from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import torch

from . import train as train_module
from .config import parse_job
from .conftest import job_dict, keyword_dataset
from .errors import JobError
from .events import Events
from .export import TOLERANCE
from .run import load_data, run_job


def two_stage_job(tmp_path: Path) -> dict[str, Any]:
    """Stage 0: the head on a frozen encoder at a high learning rate; stage 1: everything at a low one."""
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 120), steps=10, warmup_steps=2, eval_interval=10)
    raw["stages"] = [
        {"schedule": {"learning_rate": 0.01}, "techniques": [{"name": "freeze", "layers": 2}]},
        {"schedule": {"learning_rate": 0.001, "steps": 8, "warmup_steps": 0}, "techniques": []},
    ]
    return raw


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A two-stage run_job (checkpoint and ONNX export included), with each stage's first and last weights."""
    tmp = tmp_path_factory.mktemp("stages")
    job = parse_job(two_stage_job(tmp), Path("/"))
    train_set, validation_set = load_data(job)
    seen: list[dict[str, Any]] = []
    original = train_module.train

    def recording(*args: Any, **kwargs: Any) -> train_module.TrainResult:
        initial = kwargs.get("initial_model")
        first = None if initial is None else {k: v.clone() for k, v in initial.state_dict().items()}
        result = original(*args, **kwargs)
        last = {k: v.clone() for k, v in result.model.state_dict().items()}
        seen.append({"job": args[0], "first": first, "last": last})
        return result

    stream = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train_module, "train", recording)
        metrics = run_job(job, train_set, validation_set, tmp / "out", Events(stream))
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    return {"seen": seen, "events": events, "metrics": metrics, "out": tmp / "out"}


def test_each_stage_runs_its_own_schedule_and_techniques(staged: dict[str, Any]) -> None:
    first, second = (s["job"] for s in staged["seen"])
    assert (first.schedule.learning_rate, first.schedule.steps, [type(t).__name__ for t in first.techniques]) == (
        0.01, 10, ["FreezeConfig"]
    )
    assert (second.schedule.learning_rate, second.schedule.steps, second.techniques) == (0.001, 8, ())
    assert second.schedule.batch_size == 16  # not overridden: the job's


def test_stage_two_starts_from_stage_ones_final_weights(staged: dict[str, Any]) -> None:
    one, two = staged["seen"]
    assert one["first"] is None  # stage 0 builds the model
    assert two["first"].keys() == one["last"].keys()
    assert all(torch.equal(two["first"][k], one["last"][k]) for k in one["last"])  # not re-initialised
    encoder = "bert.encoder.layer.0.attention.self.query.weight"
    # stage 0 froze the encoder (it left it as initialised) and trained the head; stage 1 trained everything
    assert not torch.equal(one["last"]["classifier.weight"], two["last"]["classifier.weight"])
    assert not torch.equal(one["last"][encoder], two["last"][encoder])
    starts = [e for e in staged["events"] if e["type"] == "start"]
    assert [(s["stage"], s["trainable_parameters"] < s["parameters"] / 10) for s in starts] == [(0, True), (1, False)]


def test_events_carry_the_stage_and_the_export_is_verified(staged: dict[str, Any]) -> None:
    events = staged["events"]
    steps = [(e["stage"], e["step"]) for e in events if e["type"] == "step"]
    assert steps[0] == (0, 5) and steps[-1] == (1, 8) and {s for s, _ in steps} == {0, 1}
    assert all("stage" not in e for e in events if e["type"] in ("checkpoint", "export", "done"))
    assert next(e for e in events if e["type"] == "export")["max_abs_diff"] <= TOLERANCE
    assert (staged["out"] / "model" / "onnx" / "model.onnx").is_file()
    assert staged["metrics"]["stages"] == 2 and staged["metrics"]["steps"] == 8


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([{"schedule": {"warmup_steps": 20}}], "stages.0.schedule.warmup_steps: 20 exceeds schedule.steps (10)"),
        ([{}, {"techniques": [{"name": "sam"}]}], "stages.1.techniques.0.name: 'sam' is not a technique"),
        ([{"techniques": [{"name": "freeze", "layers": 5}]}], "stages.0.techniques.0.layers: 5 exceeds tiny-bert's 2"),
        ([{"schedule": {"stepz": 3}}], "stages.0.schedule: Additional properties are not allowed ('stepz' was"),
        ([], "stages: [] should be non-empty"),
    ],
)
def test_bad_stages_name_the_field(tmp_path: Path, stages: list, message: str) -> None:
    raw = {**job_dict(keyword_dataset(tmp_path / "train.jsonl", 20), steps=10, warmup_steps=2), "stages": stages}
    with pytest.raises(JobError) as caught:
        parse_job(raw, Path("/"))
    assert str(caught.value).startswith(f"invalid job: {message}")
