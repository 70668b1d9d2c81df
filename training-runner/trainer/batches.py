"""A split as token ids, the order its examples are drawn in, and padded tensors for the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from transformers import PreTrainedTokenizerFast

from .data import Example


@dataclass
class Encoded:
    """Token ids (unpadded, truncated), label ids and per-example weights of a split (or of a batch)."""

    ids: list[list[int]]
    labels: list[int]
    weights: list[float]
    difficulties: list[float | None] | None = None

    def take(self, rows: list[int]) -> Encoded:
        return Encoded(
            ids=[self.ids[i] for i in rows],
            labels=[self.labels[i] for i in rows],
            weights=[self.weights[i] for i in rows],
        )

    def __len__(self) -> int:
        return len(self.ids)


def encode(tokenizer: PreTrainedTokenizerFast, examples: list[Example], max_length: int) -> Encoded:
    ids = tokenizer([e.text for e in examples], truncation=True, max_length=max_length)["input_ids"]
    return Encoded(
        ids=ids,
        labels=[e.label for e in examples],
        weights=[e.weight for e in examples],
        difficulties=[e.difficulty for e in examples],
    )


class Batches:
    """Which examples each step trains on: drawn without replacement, reshuffled every epoch (the last short
    batch of an epoch is kept). Its state (generator, epoch order, position) goes into snapshots, so a
    resumed run draws the same batches as an uninterrupted one."""

    def __init__(self, count: int, batch_size: int, seed: int) -> None:
        self.count, self.batch_size = count, batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.order: list[int] = []
        self.position = 0

    def next(self) -> list[int]:
        if self.position >= len(self.order):
            self.order = self.new_epoch()
            self.position = 0
        chosen = self.order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return chosen

    def new_epoch(self) -> list[int]:
        return torch.randperm(self.count, generator=self.generator).tolist()

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(), "order": self.order, "position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.order, self.position = list(state["order"]), int(state["position"])


def micro_batches(size: int, parts: int) -> list[list[int]]:
    """Rows 0..size-1 cut into at most `parts` contiguous, near-equal, non-empty pieces."""
    pieces = torch.arange(size).tensor_split(min(parts, size))
    return [piece.tolist() for piece in pieces]


def collate(
    batch: Encoded, pad_id: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad to the longest sequence in the batch."""
    width = max(len(ids) for ids in batch.ids)
    input_ids = torch.full((len(batch.ids), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch.ids), width), dtype=torch.long)
    for row, ids in enumerate(batch.ids):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        attention_mask[row, : len(ids)] = 1
    labels = torch.tensor(batch.labels, dtype=torch.long)
    return input_ids.to(device), attention_mask.to(device), labels.to(device)
