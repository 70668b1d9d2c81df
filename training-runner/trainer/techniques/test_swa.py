from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ..conftest import job_dict, keyword_dataset, train_job
from .base import Hooks


def test_the_final_model_is_the_mean_of_the_weights_since_start(tmp_path: Path) -> None:
    """Record the weights after every step of an SWA run (start 0.5 of 10 steps, every 2: steps 5, 7, 9);
    the final model carries exactly their mean."""
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 60), steps=10, warmup_steps=2, eval_interval=10)
    raw["techniques"] = [{"name": "swa", "start": 0.5, "every": 2}]
    seen: dict[int, dict[str, torch.Tensor]] = {}
    original = Hooks.after_step

    def record(self: Hooks, step: int, model: torch.nn.Module) -> None:
        seen[step] = {n: p.detach().clone() for n, p in model.named_parameters()}
        original(self, step, model)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Hooks, "after_step", record)
        trained = train_job(raw)
    final = dict(trained.model.named_parameters())
    for name, weight in final.items():
        mean = (seen[5][name] + seen[7][name] + seen[9][name]) / 3
        assert torch.allclose(weight, mean, atol=1e-6), name
        assert not torch.allclose(weight, seen[10][name])  # not simply the last weights


def test_averaging_only_the_last_step_changes_nothing(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 60), steps=6, warmup_steps=2, eval_interval=6)
    plain = train_job(raw).model.state_dict()
    raw["techniques"] = [{"name": "swa", "start": 1.0}]
    averaged = train_job(raw).model.state_dict()
    assert all(torch.equal(averaged[n], plain[n]) for n in plain)


def test_swa_averages_lora_adapters_before_they_merge(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 60), steps=6, warmup_steps=2, eval_interval=6)
    raw["techniques"] = [{"name": "lora", "r": 2}]
    plain = train_job(raw).model.state_dict()
    raw["techniques"] = [{"name": "lora", "r": 2}, {"name": "swa", "start": 0.5}]
    averaged = train_job(raw).model.state_dict()
    query = "bert.encoder.layer.0.attention.self.query.weight"
    assert set(averaged) == set(plain) and not torch.equal(averaged[query], plain[query])
    key = "bert.encoder.layer.0.attention.self.key.weight"  # not adapted: the same either way
    assert torch.equal(averaged[key], plain[key])
