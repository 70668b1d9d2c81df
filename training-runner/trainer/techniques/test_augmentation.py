from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from ..batches import Encoded, encode
from ..config import parse_job
from ..conftest import Trained, job_dict, keyword_dataset, train_job
from ..errors import JobError
from ..tokenizer import SPECIAL_TOKENS
from .augmentation import Augmentation, AugmentationConfig
from .base import Hooks

CLS, SEP, MASK = 2, 3, 4
assert SPECIAL_TOKENS[CLS] == "[CLS]" and SPECIAL_TOKENS[SEP] == "[SEP]" and SPECIAL_TOKENS[MASK] == "[MASK]"


def batch_of(count: int, seed: int = 0) -> Encoded:
    """Examples [CLS] w1 .. wn [SEP] with distinct content ids (5..), so moves and drops are visible."""
    rng = random.Random(seed)
    ids = [[CLS, *rng.sample(range(5, 500), rng.randint(4, 20)), SEP] for _ in range(count)]
    return Encoded(ids=ids, labels=[i % 2 for i in range(count)], weights=[1.0] * count)


def augmenter(tmp_path: Path, seed: int = 0, **options: float) -> Augmentation:
    job = parse_job(job_dict(keyword_dataset(tmp_path / "train.jsonl", 20), seed=seed), Path("/"))
    return Augmentation(AugmentationConfig(**{"deletion": 0.0, **options}), job)


def content(ids: list[int]) -> list[int]:
    return [t for t in ids if t not in (CLS, SEP)]


def test_the_same_seed_and_step_give_the_same_batch_and_others_do_not(tmp_path: Path) -> None:
    batch = batch_of(50)
    options = {"deletion": 0.2, "swap": 0.2, "mask": 0.2}
    first = augmenter(tmp_path, **options).training_batch(batch, step=7).ids
    assert augmenter(tmp_path, **options).training_batch(batch, step=7).ids == first
    assert augmenter(tmp_path, **options).training_batch(batch, step=8).ids != first
    assert augmenter(tmp_path, seed=1, **options).training_batch(batch, step=7).ids != first
    assert batch.ids == batch_of(50).ids  # the input batch itself is left alone


@pytest.mark.parametrize("rate", [0.1, 0.3])
def test_deletion_and_masking_happen_at_the_configured_rate(tmp_path: Path, rate: float) -> None:
    batch = batch_of(400)
    tokens = sum(len(content(ids)) for ids in batch.ids)  # about 4,800
    deleted = augmenter(tmp_path, deletion=rate).training_batch(batch, step=1)
    kept = sum(len(content(ids)) for ids in deleted.ids)
    assert abs((tokens - kept) / tokens - rate) < 0.03
    masked = augmenter(tmp_path, mask=rate).training_batch(batch, step=1)
    assert abs(sum(content(ids).count(MASK) for ids in masked.ids) / tokens - rate) < 0.03
    for before, after in zip(batch.ids, deleted.ids, strict=True):
        assert after[0] == CLS and after[-1] == SEP and len(content(after)) >= 1
        kept_tokens = content(after)
        assert kept_tokens == [t for t in content(before) if t in kept_tokens]  # order kept, only drops
    assert masked.labels == batch.labels and masked.weights == batch.weights


def test_swapping_moves_tokens_without_changing_them(tmp_path: Path) -> None:
    batch = batch_of(400)
    swapped = augmenter(tmp_path, swap=0.2).training_batch(batch, step=1)
    moved = sum(a != b for x, y in zip(batch.ids, swapped.ids, strict=True) for a, b in zip(x, y, strict=True))
    tokens = sum(len(content(ids)) for ids in batch.ids)
    pairs = list(zip(batch.ids, swapped.ids, strict=True))
    assert all(sorted(x) == sorted(y) and y[0] == CLS and y[-1] == SEP for x, y in pairs)
    assert 0.2 < moved / tokens < 0.45  # each swap moves two tokens (a few swap back)


def test_training_sees_augmented_batches_and_validation_never_does(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 80), steps=4, warmup_steps=1, eval_interval=2)
    raw["techniques"] = [{"name": "augmentation", "deletion": 0.3, "mask": 0.3}]
    seen: dict[bool, list[torch.Tensor]] = {True: [], False: []}
    original = Hooks.model

    def spy(self: Hooks, model: torch.nn.Module) -> torch.nn.Module:
        model = original(self, model)
        model.register_forward_pre_hook(
            lambda module, args, kwargs: seen[module.training].append(kwargs["input_ids"].clone()), with_kwargs=True
        )
        return model

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Hooks, "model", spy)
        trained: Trained = train_job(raw)
    job = trained.job
    from ..run import load_data

    _, validation = load_data(job)
    clean = encode(trained.tokenizer, validation, job.schedule.max_seq_length)
    evaluated = [row[row != 0].tolist() for batch in seen[False] for row in batch]
    assert len(seen[False]) > 0 and evaluated == clean.ids * 2  # two evaluations, each of the clean split
    trained_rows = [row[row != 0].tolist() for batch in seen[True] for row in batch]
    masked = sum(row.count(MASK) for row in trained_rows) / sum(len(content(row)) for row in trained_rows)
    assert 0.2 < masked < 0.4  # about 0.3 of the kept content tokens
    assert all(MASK not in row for row in evaluated)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"techniques": [{"name": "augmentation", "deletion": 0}]}, "give deletion, swap or mask above 0"),
        ({"model": {"base": "tiny-gpt2"}, "task": {"type": "causal-lm"}}, "a causal-lm's targets are aligned"),
        ({"tokenizer": {"type": "bpe", "vocab_size": 300}}, "augmentation needs the WordPiece tokenizer"),
    ],
)
def test_augmentation_that_cannot_work_is_refused(tmp_path: Path, changes: dict, message: str) -> None:
    raw = {**job_dict(keyword_dataset(tmp_path / "train.jsonl", 20)), "techniques": [{"name": "augmentation"}]}
    with pytest.raises(JobError, match=f"invalid job: techniques.0: {message}"):
        parse_job({**raw, **changes}, Path("/"))
