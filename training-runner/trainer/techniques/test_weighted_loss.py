from __future__ import annotations

import json
from pathlib import Path

import torch

from ..batches import Encoded
from ..conftest import FILLER, job_dict, keyword_dataset, noise_dataset, probabilities, train_job
from .weighted_loss import WeightedLoss, WeightedLossConfig

PROBE = [" ".join(FILLER[i : i + 8]) for i in range(0, 24, 3)]  # label-free texts


def spam_share(raw: dict) -> float:
    trained = train_job(raw)
    return float(probabilities(trained.model, trained.tokenizer, PROBE)[:, 1].mean())


def test_class_weights_move_the_prediction_towards_the_heavier_class(tmp_path: Path) -> None:
    """Random labels, half spam: unweighted, the model answers P(spam) = 1/2; weighing spam 4x, the loss is
    lowest at 4/5."""
    raw = job_dict(noise_dataset(tmp_path / "train.jsonl", 200, 0.5), steps=40, eval_interval=40)
    plain = spam_share(raw)
    raw["techniques"] = [{"name": "weighted-loss", "class_weights": {"spam": 4}}]
    weighted = spam_share(raw)
    assert abs(plain - 0.5) < 0.1 and abs(weighted - 0.8) < 0.1


def test_balanced_weights_undo_the_class_imbalance(tmp_path: Path) -> None:
    raw = job_dict(noise_dataset(tmp_path / "train.jsonl", 200, 0.2), steps=40, eval_interval=40)
    plain = spam_share(raw)
    raw["techniques"] = [{"name": "weighted-loss", "class_weights": "balanced"}]
    balanced = spam_share(raw)
    assert plain < 0.3 and abs(balanced - 0.5) < 0.1


def test_example_weights_silence_mislabelled_lines(tmp_path: Path) -> None:
    """Half the spam lines are labelled ham but carry weight 0: with example_weights the model learns the
    keyword as cleanly as from clean data; without, it hedges."""
    path = keyword_dataset(tmp_path / "train.jsonl", 240)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for i, line in enumerate(lines):
        if line["label"] == "spam" and i % 4 == 0:
            line["label"], line["weight"] = "ham", 0
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    probe = ["free cash for the team", "the prize meeting report", "winner of the budget review"]

    def keyword_spam(techniques: list) -> float:
        raw = job_dict(path, steps=60, eval_interval=60)
        raw["techniques"] = techniques
        trained = train_job(raw)
        return float(probabilities(trained.model, trained.tokenizer, probe)[:, 1].mean())

    assert keyword_spam([{"name": "weighted-loss", "example_weights": True}]) > 0.9
    assert keyword_spam([]) < 0.8


def test_the_weights_are_class_times_example() -> None:
    technique = WeightedLoss(WeightedLossConfig(class_weights={"spam": 3.0}, example_weights=True), job=_Job())  # type: ignore[arg-type]
    batch = Encoded(ids=[[1], [1], [1]], labels=[0, 1, 1], weights=[2.0, 0.5, 1.0])
    assert technique.example_weights(batch).tolist() == [2.0, 1.5, 3.0]


class _Job:
    class task:  # noqa: N801
        labels = ("ham", "spam")


def test_class_weights_give_torchs_weighted_cross_entropy() -> None:
    logits, labels = torch.randn(6, 2), torch.tensor([0, 1, 1, 0, 1, 1])
    weights = torch.tensor([1.0, 3.0])[labels]
    per_example = torch.nn.functional.cross_entropy(logits, labels, reduction="none")
    ours = (per_example * weights).sum() / weights.sum()  # the loop's formula
    assert torch.allclose(ours, torch.nn.functional.cross_entropy(logits, labels, weight=torch.tensor([1.0, 3.0])))
