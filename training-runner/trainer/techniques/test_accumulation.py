"""Gradient accumulation (schedule.grad_accumulation_steps): the batch is split into micro-batches whose
gradients add up to the whole batch's."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ..conftest import job_dict, keyword_dataset, train_job


@pytest.mark.parametrize("weighted", [False, True])
def test_accumulating_micro_batches_gives_the_large_batch_result(tmp_path: Path, weighted: bool) -> None:
    train = keyword_dataset(tmp_path / "train.jsonl", 80)

    def run(accumulation: int):
        raw = job_dict(
            train, steps=6, warmup_steps=2, log_interval=1, eval_interval=6, batch_size=16,
            grad_accumulation_steps=accumulation,
        )  # fmt: skip
        # no dropout: its masks are drawn per forward pass, so micro-batches would draw different ones
        raw["techniques"] = [{"name": "dropout", "hidden": 0.0, "attention": 0.0}]
        if weighted:  # the weighted mean is over the whole batch, not per micro-batch
            raw["techniques"].append({"name": "weighted-loss", "class_weights": {"spam": 3.0}})
        return train_job(raw)

    whole, parts, uneven = run(1), run(4), run(3)  # 16 = 4 x 4 = 6 + 5 + 5
    for other in (parts, uneven):
        assert [e["loss"] for e in other.of("step")] == pytest.approx([e["loss"] for e in whole.of("step")], abs=1e-6)
        reference = whole.model.state_dict()
        for name, weight in other.model.state_dict().items():
            assert torch.allclose(weight, reference[name], atol=1e-5), name
    # and the runs did train: the weights moved from where they started
    assert whole.of("step")[-1]["loss"] != whole.of("step")[0]["loss"]
