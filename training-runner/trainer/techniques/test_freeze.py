from __future__ import annotations

from pathlib import Path

import torch

from ..conftest import job_dict, keyword_dataset, train_job
from ..models import build_classifier


def test_frozen_weights_are_bit_identical_after_training(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 120), steps=12, eval_interval=12)
    raw["techniques"] = [{"name": "freeze", "layers": 1, "patterns": ["bert.pooler.*"]}]
    trained = train_job(raw)
    torch.manual_seed(trained.job.schedule.seed)  # the same initial weights the run started from
    initial = build_classifier("tiny-bert", len(trained.tokenizer), ("ham", "spam"), 0).state_dict()
    final = trained.model.state_dict()

    frozen = [n for n in initial if n.startswith(("bert.embeddings.", "bert.encoder.layer.0.", "bert.pooler."))]
    trainable = [n for n in initial if n not in frozen]
    assert len(frozen) == 5 + 16 + 2 and len(trainable) == 16 + 2
    assert all(torch.equal(final[n], initial[n]) for n in frozen)
    assert all(not torch.equal(final[n], initial[n]) for n in trainable)  # every other weight moved
    start = trained.of("start")[0]
    assert start["trainable_parameters"] == sum(initial[n].numel() for n in trainable) < start["parameters"]


def test_freezing_composes_with_lora(tmp_path: Path) -> None:
    """LoRA wraps the model after freezing: the frozen classifier-side names are matched through PEFT's prefix,
    so the head stays frozen too and only adapters train."""
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 60), steps=3, warmup_steps=1, eval_interval=3)
    raw["techniques"] = [
        {"name": "lora", "r": 2, "target_modules": ["query"]},
        {"name": "freeze", "patterns": ["classifier.*"]},
    ]
    trained = train_job(raw)
    assert trained.of("start")[0]["trainable_parameters"] == 2 * (2 * 64 + 64 * 2)  # adapters only
