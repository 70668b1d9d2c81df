"""Sequence classification: a BERT encoder with a classification head on lines {text, label}; the loss is
cross-entropy over the labels, accuracy the share of examples labelled right; the ONNX file gives logits
per label."""

from __future__ import annotations

import torch
from torch.nn.functional import cross_entropy

from ..batches import Encoded, encode, pad_ids
from ..config import ClassificationTask
from ..data import Example
from ..models import build_classifier
from .base import Autocast, Inputs, Task, majority_share, splits


class Classification(Task):
    config: ClassificationTask

    def encode(self, examples: list[Example], max_length: int) -> Encoded:
        return encode(self.tokenizer, examples, max_length)

    def model(self) -> torch.nn.Module:
        return build_classifier(self.job.model.base, len(self.tokenizer), self.config.labels, self.pad_id)

    def inputs(self, batch: Encoded, device: torch.device, generator: torch.Generator | None = None) -> Inputs:
        input_ids, attention_mask = pad_ids(batch.ids, self.pad_id)
        labels = torch.tensor(batch.labels, dtype=torch.long)
        tensors = {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
        return {name: t.to(device) for name, t in tensors.items()}

    def losses(self, model: torch.nn.Module, inputs: Inputs, autocast: Autocast) -> torch.Tensor:
        with autocast():
            logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits
        return cross_entropy(logits.float(), inputs["labels"], reduction="none")

    @torch.no_grad()
    def evaluate(
        self, model: torch.nn.Module, data: Encoded, batch_size: int, device: torch.device, autocast: Autocast
    ) -> dict[str, float]:
        """Mean cross-entropy and accuracy over the split."""
        model.eval()
        total_loss, correct = 0.0, 0
        for rows in splits(len(data), batch_size):
            inputs = self.inputs(data.take(rows), device)
            with autocast():
                logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits
            total_loss += float(cross_entropy(logits.float(), inputs["labels"], reduction="sum"))
            correct += int((logits.argmax(dim=-1) == inputs["labels"]).sum())
        return {"loss": total_loss / len(data), "accuracy": correct / len(data)}

    def baseline(self, data: Encoded) -> float:
        """Always answering the most common label."""
        return majority_share(data.labels)
