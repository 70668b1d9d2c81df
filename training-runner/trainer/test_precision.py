from __future__ import annotations

from pathlib import Path

import pytest

from .config import parse_job
from .conftest import job_dict, keyword_dataset, train_job
from .errors import JobError


def test_a_bf16_run_on_cpu_tracks_the_fp32_loss_curve(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 160), steps=60, log_interval=3, eval_interval=30)
    fp32 = train_job({**raw, "precision": "fp32"})
    bf16 = train_job({**raw, "precision": "bf16"}, tokenizer=fp32.tokenizer)
    assert (fp32.of("start")[0]["precision"], bf16.of("start")[0]["precision"]) == ("fp32", "bf16")
    ours, theirs = [e["loss"] for e in bf16.of("step")], [e["loss"] for e in fp32.of("step")]
    assert len(ours) == len(theirs) == 20
    assert ours != theirs  # the forward passes really ran in bf16
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 0.01  # measured: 0.002
    assert theirs[-1] < theirs[0] / 2 and ours[-1] < ours[0] / 2  # both learn
    assert abs(bf16.metrics["eval_accuracy"] - fp32.metrics["eval_accuracy"]) <= 0.05


def test_auto_precision_on_cpu_is_fp32(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 40), steps=1, warmup_steps=0)
    assert train_job(raw).of("start")[0]["precision"] == "fp32"


def test_fp16_on_cpu_is_refused_before_any_compute(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 20))
    with pytest.raises(JobError, match='precision: "fp16" needs CUDA'):
        parse_job({**raw, "precision": "fp16"}, Path("/"))
