"""The tasks under torchrun (two processes, gloo on CPU): DDP allows one forward pass per backward and wants
a gradient for every parameter, so the embedding task embeds anchors and positives in one pass and the
multi-task heads all take part in each backward. Both runs finish and learn."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..test_distributed import launch
from .test_embedding import embedding_job, pairs_dataset
from .test_multi_task import multi_job, two_heads_dataset


@pytest.mark.parametrize("task", ["embedding", "multi-task"])
def test_two_processes_train_the_task(tmp_path: Path, task: str) -> None:
    if task == "embedding":
        job = embedding_job(pairs_dataset(tmp_path / "t.jsonl", 300), pairs_dataset(tmp_path / "v.jsonl", 32, 1), 30)
    else:
        job = multi_job(two_heads_dataset(tmp_path / "t.jsonl", 600), when_weight=1.0, steps=80)
    events = launch(job, tmp_path / "out", 2)
    assert next(e for e in events if e["type"] == "start")["processes"] == 2
    metrics = next(e for e in events if e["type"] == "done")["metrics"]
    assert metrics["eval_accuracy"] > metrics["majority_baseline"] + 0.1
