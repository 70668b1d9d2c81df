from __future__ import annotations

import math
from pathlib import Path

import pytest

from ..conftest import job_dict, keyword_dataset, train_job
from .lr_schedules import LR_SCHEDULES, lr_factor


def curve(name: str, warmup: int = 4, steps: int = 10) -> list[float]:
    factor = lr_factor(name, warmup, steps)
    return [round(factor(done), 4) for done in range(steps)]


def test_every_schedule_warms_up_linearly() -> None:
    for name in LR_SCHEDULES:
        assert curve(name)[:4] == [0.25, 0.5, 0.75, 1.0], name


def test_the_curves_after_warm_up() -> None:
    assert curve("linear")[4:] == [1.0, 0.8333, 0.6667, 0.5, 0.3333, 0.1667]
    cosine = [round(0.5 * (1 + math.cos(math.pi * k / 6)), 4) for k in range(6)]
    assert curve("cosine")[4:] == cosine == [1.0, 0.933, 0.75, 0.5, 0.25, 0.067]
    assert curve("constant")[4:] == [1.0] * 6
    assert curve("cosine", warmup=0, steps=4) == [1.0, 0.8536, 0.5, 0.1464]


@pytest.mark.parametrize("name", ["cosine", "constant"])
def test_a_run_follows_the_chosen_curve(tmp_path: Path, name: str) -> None:
    raw = job_dict(
        keyword_dataset(tmp_path / "train.jsonl", 40),
        steps=8, warmup_steps=2, log_interval=1, eval_interval=8, learning_rate=0.002, lr_schedule=name,
    )  # fmt: skip
    lrs = [e["lr"] for e in train_job(raw).of("step")]
    factor = lr_factor(name, 2, 8)
    assert lrs == pytest.approx([0.002 * factor(done) for done in range(8)], rel=1e-12)
