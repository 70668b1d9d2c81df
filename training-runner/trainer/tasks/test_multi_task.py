"""Two classification heads on one encoder, trained from one file of {task, text, label} lines: both learn,
steps draw heads by weight, and a head of weight 0 is never trained."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pytest
import torch
from safetensors.torch import load_file

from ..conftest import FILLER, KEYWORDS, Trained, train_job
from ..export import TOLERANCE
from .multi_task import HeadSampler

DAYS = ["monday", "friday"]
FILLER_NO_DAYS = [w for w in FILLER if w not in DAYS]


def two_heads_dataset(path: Path, count: int, seed: int = 0) -> Path:
    """spam: a keyword in the text; when: whether the text names a day. Both learnable, independent."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            words = rng.choices(FILLER_NO_DAYS, k=rng.randint(6, 12))
            positive = rng.random() < 0.5
            if i % 2 == 0:
                if positive:
                    words.insert(rng.randrange(len(words) + 1), rng.choice(KEYWORDS))
                line = {"task": "spam", "text": " ".join(words), "label": "spam" if positive else "ham"}
            else:
                if positive:
                    words.insert(rng.randrange(len(words) + 1), rng.choice(DAYS))
                line = {"task": "when", "text": " ".join(words), "label": "dated" if positive else "undated"}
            out.write(json.dumps(line) + "\n")
    return path


def multi_job(train: Path, when_weight: float, steps: int = 80) -> dict[str, Any]:
    return {
        "model": {"base": "tiny-bert"},
        "task": {
            "type": "multi-task",
            "heads": [
                {"name": "spam", "labels": ["ham", "spam"]},
                {"name": "when", "labels": ["undated", "dated"], "weight": when_weight},
            ],
        },
        "data": {"train": str(train), "validation_fraction": 0.2},
        "tokenizer": {"vocab_size": 200, "min_frequency": 1},
        "schedule": {
            "steps": steps,
            "batch_size": 16,
            "learning_rate": 0.003,
            "warmup_steps": 8,
            "max_seq_length": 32,
            "eval_interval": steps,
            "log_interval": steps,
        },
        "device": "cpu",
    }


@pytest.fixture(scope="module")
def train_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_heads_dataset(tmp_path_factory.mktemp("multi") / "train.jsonl", 600)


@pytest.fixture(scope="module")
def both(train_file: Path) -> Trained:
    return train_job(multi_job(train_file, when_weight=1.0))


def test_both_heads_learn_their_own_labels(both: Trained) -> None:
    m = both.metrics
    assert m["majority_baseline"] < 0.6
    assert m["eval_accuracy_spam"] >= 0.9 and m["eval_accuracy_when"] >= 0.9
    assert m["eval_accuracy"] > m["majority_baseline"] + 0.3


def test_steps_draw_heads_by_weight() -> None:
    heads = [0, 1] * 200
    sampler = HeadSampler(heads, [3.0, 1.0], batch_size=8, seed=0)
    drawn = [heads[sampler.next()[0]] for _ in range(800)]
    assert 0.71 < drawn.count(0) / len(drawn) < 0.79
    # a snapshot's sampler state resumes the same draws
    sampler_state = sampler.state_dict()
    expected = [sampler.next() for _ in range(20)]
    resumed = HeadSampler(heads, [3.0, 1.0], batch_size=8, seed=0)
    resumed.load_state_dict(sampler_state)
    assert [resumed.next() for _ in range(20)] == expected
    for batch in expected:  # a batch holds one head's lines only
        assert len({heads[row] for row in batch}) == 1


def test_a_head_of_weight_zero_is_never_trained(train_file: Path) -> None:
    torch.manual_seed(0)
    run = train_job(multi_job(train_file, when_weight=0.0, steps=20))
    torch.manual_seed(run.job.schedule.seed)
    untouched = run.task.model()  # the same initialisation as the run's (same seed, same build order)
    trained_heads, initial_heads = run.model.heads, untouched.heads
    assert torch.equal(trained_heads["when"].weight, initial_heads["when"].weight)
    assert not torch.equal(trained_heads["spam"].weight, initial_heads["spam"].weight)
    assert run.metrics["eval_accuracy_when"] < 0.75  # an untrained head guesses


def test_the_checkpoint_and_export_carry_every_head(both: Trained, tmp_path: Path) -> None:
    model_dir = both.task.save(both.model, tmp_path / "model")
    config = json.loads((model_dir / "config.json").read_text())
    assert config["edgetune_heads"] == [
        {"name": "spam", "labels": ["ham", "spam"]},
        {"name": "when", "labels": ["undated", "dated"]},
    ]
    heads = load_file(str(model_dir / "heads.safetensors"))
    assert torch.equal(heads["when.weight"], both.model.heads["when"].weight.detach())
    texts = ["free cash on friday", "the team meeting on monday", "review the budget draft"]
    path, diff = both.task.export(both.model, model_dir, texts, 32)
    assert diff <= TOLERANCE
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["logits_spam", "logits_when"]
    inputs = both.tokenizer(texts, padding=True, return_tensors="np")
    spam, when = session.run(None, {"input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"]})
    with torch.no_grad():
        expected = both.model.eval()(torch.tensor(inputs["input_ids"]), torch.tensor(inputs["attention_mask"]))
    assert np.max(np.abs(spam - expected["logits_spam"].numpy())) <= TOLERANCE
    assert np.max(np.abs(when - expected["logits_when"].numpy())) <= TOLERANCE
    assert spam.shape == (3, 2) and when.shape == (3, 2)
