"""Self-supervised pre-training on raw text ({text} lines): next-token (causal-lm, input text) and masked
(masked-lm) objectives learn the text's regularities, so the loss falls well below log(V), the loss of a
model that knows nothing (uniform over the vocabulary)."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
import torch

from ..config import MaskedLmTask, TokenizerConfig
from ..conftest import FILLER, train_job
from ..tokenizer import train_tokenizer
from .masked_lm import IGNORE, MaskedLm


def text_dataset(path: Path, count: int, seed: int = 0) -> Path:
    """Sentences from a tiny grammar: "the <noun> <verb> the <noun> on <day>", repeated structure to learn."""
    rng = random.Random(seed)
    nouns, verbs = FILLER[:12], ["reviews", "builds", "plans", "moves", "tests"]
    days = ["monday", "friday"]
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count):
            text = f"the {rng.choice(nouns)} {rng.choice(verbs)} the {rng.choice(nouns)} on {rng.choice(days)}"
            out.write(json.dumps({"text": text}) + "\n")
    return path


def pretraining_job(train: Path, base: str, task: dict[str, Any], steps: int = 60) -> dict[str, Any]:
    return {
        "model": {"base": base},
        "task": task,
        "data": {"train": str(train), "validation_fraction": 0.2},
        "tokenizer": {"vocab_size": 200, "min_frequency": 1},
        "schedule": {
            "steps": steps,
            "batch_size": 16,
            "learning_rate": 0.005,
            "warmup_steps": 5,
            "max_seq_length": 32,
            "eval_interval": steps,
            "log_interval": steps,
        },
        "device": "cpu",
    }


@pytest.mark.parametrize(
    ("base", "task"),
    [("tiny-gpt2", {"type": "causal-lm", "input": "text"}), ("tiny-bert", {"type": "masked-lm"})],
)
def test_the_loss_falls_well_below_the_uniform_baseline(tmp_path: Path, base: str, task: dict[str, Any]) -> None:
    run = train_job(pretraining_job(text_dataset(tmp_path / "train.jsonl", 300), base, task))
    uniform = math.log(len(run.tokenizer))
    assert run.metrics["eval_loss"] < uniform / 2
    assert run.metrics["eval_perplexity"] < len(run.tokenizer) / 10
    assert run.metrics["eval_accuracy"] > run.metrics["majority_baseline"]


def masking_task(probability: float = 0.15) -> MaskedLm:
    texts = [" ".join(FILLER[i:] + FILLER[:i]) for i in range(len(FILLER))]
    tokenizer = train_tokenizer(texts, TokenizerConfig(vocab_size=200, min_frequency=1), max_length=64)
    job: Any = type("Job", (), {"task": MaskedLmTask(mask_probability=probability), "model": None})()
    return MaskedLm(job, tokenizer)


def test_masking_draws_15_percent_and_corrupts_80_10_10() -> None:
    task = masking_task()
    special = torch.tensor(task.tokenizer.all_special_ids)
    ids = torch.randint(len(special), len(task.tokenizer), (400, 60))
    ids[:, 0], ids[:, -1] = task.tokenizer.cls_token_id, task.tokenizer.sep_token_id
    ids[:5, 30:] = task.pad_id  # padding
    corrupted, labels = task.mask(ids, torch.Generator().manual_seed(0))
    chosen = labels != IGNORE
    assert not chosen[torch.isin(ids, special)].any()  # never [CLS], [SEP] or padding
    assert torch.equal(labels[chosen], ids[chosen]) and chosen.any(dim=1).all()
    share = chosen.sum() / (~torch.isin(ids, special)).sum()
    assert 0.14 < share < 0.16
    as_mask = (corrupted[chosen] == task.tokenizer.mask_token_id).float().mean()
    kept = (corrupted[chosen] == ids[chosen]).float().mean()
    assert 0.77 < as_mask < 0.83 and 0.08 < kept < 0.12  # the rest, ~10 %, are random tokens
    assert torch.equal(corrupted[~chosen], ids[~chosen])
