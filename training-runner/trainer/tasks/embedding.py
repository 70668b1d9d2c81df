"""Sentence embeddings on lines {anchor, positive}: a BERT encoder whose token states are mean-pooled over
the real tokens and L2-normalised (sentence-transformers' recipe), trained with in-batch InfoNCE: each
anchor must pick its own positive among the batch's positives, by cosine similarity / temperature (with
gradient accumulation, among its micro-batch's). Evaluation ranks every validation positive for every
validation anchor: accuracy is recall@1, the loss InfoNCE over the whole split; the baseline is chance,
1 / split size. The checkpoint is the encoder (a BertModel); the ONNX file gives last_hidden_state and the
pooled, normalised sentence_embedding."""

from __future__ import annotations

from pathlib import Path

import torch
from torch.nn.functional import cross_entropy, normalize

from ..batches import Encoded, pad_ids
from ..config import EmbeddingTask
from ..data import Example
from ..models import build_encoder
from .base import Autocast, Inputs, Task, splits


class MeanPooledEncoder(torch.nn.Module):
    """An encoder whose output also holds the mean of its real tokens' states, normalised."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1e-9)
        return {"last_hidden_state": states, "sentence_embedding": normalize(pooled.float(), dim=-1)}


class Embedding(Task):
    config: EmbeddingTask
    onnx_outputs = ("last_hidden_state", "sentence_embedding")

    @staticmethod
    def texts(examples: list[Example]):  # type: ignore[override]
        for e in examples:
            yield e.text
            yield e.positive or ""

    def encode(self, examples: list[Example], max_length: int) -> Encoded:
        def ids(texts: list[str]) -> list[list[int]]:
            return self.tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]

        return Encoded(
            ids=ids([e.text for e in examples]),
            labels=ids([e.positive or "" for e in examples]),
            weights=[e.weight for e in examples],
            difficulties=[e.difficulty for e in examples],
        )

    def model(self) -> torch.nn.Module:
        return MeanPooledEncoder(build_encoder(self.job.model.base, len(self.tokenizer), self.pad_id))

    def inputs(self, batch: Encoded, device: torch.device, generator: torch.Generator | None = None) -> Inputs:
        """Anchors then positives, padded together: one forward pass embeds both (DDP wants one forward per
        backward); "anchors" says where the positives start."""
        input_ids, attention_mask = pad_ids(batch.ids + batch.labels, self.pad_id)
        anchors = torch.tensor(len(batch.ids))
        return {"input_ids": input_ids.to(device), "attention_mask": attention_mask.to(device), "anchors": anchors}

    def embed(self, model: torch.nn.Module, inputs: Inputs, autocast: Autocast) -> tuple[torch.Tensor, torch.Tensor]:
        """The anchors' and the positives' embeddings."""
        with autocast():
            both = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])["sentence_embedding"]
        count = int(inputs["anchors"])
        return both[:count].float(), both[count:].float()

    def losses(self, model: torch.nn.Module, inputs: Inputs, autocast: Autocast) -> torch.Tensor:
        anchors, positives = self.embed(model, inputs, autocast)
        return info_nce(anchors, positives, self.config.temperature)

    @torch.no_grad()
    def evaluate(
        self, model: torch.nn.Module, data: Encoded, batch_size: int, device: torch.device, autocast: Autocast
    ) -> dict[str, float]:
        model.eval()
        anchors, positives = [], []
        for rows in splits(len(data), batch_size):
            a, p = self.embed(model, self.inputs(data.take(rows), device), autocast)
            anchors.append(a)
            positives.append(p)
        a, p = torch.cat(anchors), torch.cat(positives)
        loss = float(info_nce(a, p, self.config.temperature).mean())
        return {"loss": loss, "accuracy": recall_at_1(a, p), "recall_at_1": recall_at_1(a, p)}

    def baseline(self, data: Encoded) -> float:
        """Picking a positive at random."""
        return 1 / len(data)

    def save(self, model: torch.nn.Module, out_dir: Path) -> Path:
        assert isinstance(model, MeanPooledEncoder)
        return super().save(model.encoder, out_dir)


def info_nce(anchors: torch.Tensor, positives: torch.Tensor, temperature: float) -> torch.Tensor:
    """Per anchor: cross-entropy of picking its own positive (same row) among all positives, by cosine
    similarity / temperature (embeddings are already normalised)."""
    similarity = anchors @ positives.T / temperature
    return cross_entropy(similarity, torch.arange(len(anchors), device=anchors.device), reduction="none")


def recall_at_1(anchors: torch.Tensor, positives: torch.Tensor) -> float:
    """Share of anchors whose most similar positive is their own."""
    nearest = (anchors @ positives.T).argmax(dim=1)
    return float((nearest == torch.arange(len(anchors), device=anchors.device)).float().mean())
