"""Sentence embeddings trained with in-batch InfoNCE retrieve each held-out anchor's positive far above
chance and above the untrained encoder; the export gives the same normalised embedding."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pytest
import torch

from ..conftest import Trained, train_job
from ..export import TOLERANCE
from .embedding import info_nce, recall_at_1

TOPICS = {
    "budget": ["budget", "cost", "spend", "money", "invoice"],
    "server": ["server", "build", "deploy", "release", "crash"],
    "lunch": ["lunch", "pizza", "food", "cafe", "menu"],
    "meeting": ["meeting", "agenda", "call", "notes", "schedule"],
    "travel": ["flight", "hotel", "trip", "train", "ticket"],
    "hiring": ["hire", "interview", "candidate", "offer", "resume"],
}
NAMES = ["anna", "ben", "carl", "dora", "eve", "finn", "gus", "hana", "ivan", "jo", "kim", "lee"]
GLUE = ["the", "a", "about", "with", "for", "on", "today", "please", "re", "and"]


def pairs_dataset(path: Path, count: int, seed: int = 0) -> Path:
    """Anchor and positive share a topic and a person's name, in different words: the encoder has to learn
    which words go together to pick the positive among others."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count):
            topic = rng.choice(list(TOPICS))
            name = rng.choice(NAMES)

            def sentence() -> str:
                words = rng.sample(TOPICS[topic], 2) + rng.sample(GLUE, 3) + [name]
                rng.shuffle(words)
                return " ".join(words)

            out.write(json.dumps({"anchor": sentence(), "positive": sentence()}) + "\n")
    return path


def embedding_job(train: Path, validation: Path, steps: int, learning_rate: float = 0.003) -> dict[str, Any]:
    return {
        "model": {"base": "tiny-bert"},
        "task": {"type": "embedding", "temperature": 0.05},
        "data": {"train": str(train), "validation": str(validation)},
        "tokenizer": {"vocab_size": 200, "min_frequency": 1},
        "schedule": {
            "steps": steps,
            "batch_size": 32,
            "learning_rate": learning_rate,
            "warmup_steps": min(5, steps),
            "max_seq_length": 16,
            "eval_interval": steps,
            "log_interval": steps,
        },
        "device": "cpu",
    }


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trained, Trained]:
    """Untrained (one step at a tiny learning rate) and trained, evaluated on 64 held-out pairs."""
    folder = tmp_path_factory.mktemp("embedding")
    train = pairs_dataset(folder / "train.jsonl", 600, seed=0)
    validation = pairs_dataset(folder / "validation.jsonl", 64, seed=1)
    return train_job(embedding_job(train, validation, 1, 1e-9)), train_job(embedding_job(train, validation, 80))


def test_recall_at_1_on_held_out_pairs_beats_chance_and_the_untrained_encoder(
    trained: tuple[Trained, Trained],
) -> None:
    before, after = trained
    chance = after.metrics["majority_baseline"]
    assert chance == 1 / 64
    assert after.metrics["eval_recall_at_1"] == after.metrics["eval_accuracy"]
    assert after.metrics["eval_recall_at_1"] > 10 * chance
    assert after.metrics["eval_recall_at_1"] > before.metrics["eval_recall_at_1"] + 0.2
    assert after.metrics["eval_loss"] < before.metrics["eval_loss"]


def test_info_nce_is_the_cross_entropy_of_finding_the_own_positive() -> None:
    anchors = torch.nn.functional.normalize(torch.randn(4, 8), dim=-1)
    assert info_nce(anchors, anchors, 0.05).max() < 1e-3  # each anchor is its own positive, unmistakably
    shuffled = anchors[[1, 0, 3, 2]]
    assert info_nce(anchors, shuffled, 0.05).min() > 1.0 and recall_at_1(anchors, shuffled) == 0.0
    # lower temperature sharpens: the same right answer costs less
    near = torch.nn.functional.normalize(anchors + 0.3 * torch.randn(4, 8), dim=-1)
    if recall_at_1(anchors, near) == 1.0:
        assert info_nce(anchors, near, 0.01).mean() < info_nce(anchors, near, 0.5).mean()


def test_the_export_gives_the_pooled_normalised_embedding(trained: tuple[Trained, Trained], tmp_path: Path) -> None:
    _, after = trained
    model_dir = after.task.save(after.model, tmp_path / "model")
    texts = ["budget invoice for anna", "the server crash", "lunch"]
    path, diff = after.task.export(after.model, model_dir, texts, 16)
    assert diff <= TOLERANCE and json.loads((model_dir / "config.json").read_text())["model_type"] == "bert"
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["last_hidden_state", "sentence_embedding"]
    inputs = after.tokenizer(texts, padding=True, return_tensors="np")
    feeds = {"input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"]}
    _, embeddings = session.run(None, feeds)
    assert embeddings.shape == (3, 64) and np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-5)
    # padding does not change a text's embedding: alone it embeds the same as in the padded batch
    length = int(feeds["attention_mask"][2].sum())
    (alone,) = session.run(["sentence_embedding"], {k: v[2:3, :length] for k, v in feeds.items()})
    assert length < feeds["input_ids"].shape[1] and np.max(np.abs(alone[0] - embeddings[2])) <= TOLERANCE
