"""A split as token ids, the order its examples are drawn in, and padding. Each task (tasks/) encodes its
own examples into an Encoded and turns batches of it into the tensors its model takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from transformers import PreTrainedTokenizerFast

from .data import Example


@dataclass
class Encoded:
    """Token ids (unpadded, truncated), targets and per-example weights of a split (or of a batch). What a
    target is depends on the task: a label id (classification), a target id per token, -100 where there is
    none (causal LM), the positive's token ids (embedding), or nothing (masked LM draws its own)."""

    ids: list[list[int]]
    labels: list[Any]
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
    """Texts as token ids, with their label ids (what classification trains on)."""
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


def pad(rows: list[list[int]], value: int) -> torch.Tensor:
    """Rows of ids as one tensor, padded with `value` to the longest row."""
    width = max(len(row) for row in rows)
    padded = torch.full((len(rows), width), value, dtype=torch.long)
    for index, row in enumerate(rows):
        padded[index, : len(row)] = torch.tensor(row, dtype=torch.long)
    return padded


def pad_ids(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """input_ids padded on the right with pad_id, and the attention mask (1 for real tokens)."""
    mask = pad([[1] * len(row) for row in rows], 0)
    return pad(rows, pad_id), mask
