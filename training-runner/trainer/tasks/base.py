"""What a task is: one module per task (classification, causal LM, masked LM, embeddings), each of the same
shape, so the loop in ../train.py reads the same for all of them:

  encode     examples -> Encoded (token ids and the task's targets)
  model      the freshly initialised model (weights from torch's current RNG state)
  batches    which examples each step draws (by default: all, reshuffled each epoch)
  inputs     a batch of Encoded -> the tensors the model and the loss take
  losses     the loss of each example of a batch (the loop weights and averages them)
  evaluate   the split's metrics: loss and accuracy (each task says what it counts), plus the task's own
  baseline   the accuracy a trivial predictor gets on the split (the bar to clear)
  save/export  the checkpoint, and the ONNX file verified against PyTorch

A task is built once the tokenizer exists: it knows the token ids it needs (pad, mask, end of text)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import ClassVar

import torch
from transformers import PreTrainedTokenizerFast

from ..batches import Batches, Encoded
from ..config import JobConfig
from ..data import Example
from ..export import export_onnx, save_checkpoint

Autocast = Callable[[], contextlib.AbstractContextManager[None]]
Inputs = dict[str, torch.Tensor]


class Task:
    # the ONNX file's outputs; every task's ONNX inputs are input_ids and attention_mask
    onnx_outputs: ClassVar[tuple[str, ...]] = ("logits",)

    def __init__(self, job: JobConfig, tokenizer: PreTrainedTokenizerFast) -> None:
        self.job, self.config, self.tokenizer = job, job.task, tokenizer
        pad_id = tokenizer.pad_token_id
        assert pad_id is not None
        self.pad_id: int = pad_id

    @staticmethod
    def texts(examples: list[Example]) -> Iterator[str]:
        """Every text of the examples, for training the tokenizer."""
        for e in examples:
            yield e.text

    def encode(self, examples: list[Example], max_length: int) -> Encoded:
        raise NotImplementedError

    def model(self) -> torch.nn.Module:
        raise NotImplementedError

    def batches(self, data: Encoded, batch_size: int, seed: int) -> Batches:
        """Which examples each step trains on (a technique may choose otherwise: curriculum)."""
        return Batches(len(data), batch_size, seed)

    def inputs(self, batch: Encoded, device: torch.device, generator: torch.Generator | None = None) -> Inputs:
        """The batch's tensors (on `device`); `generator` drives any randomness (None: torch's global RNG)."""
        raise NotImplementedError

    def losses(self, model: torch.nn.Module, inputs: Inputs, autocast: Autocast) -> torch.Tensor:
        """One loss per example, in fp32."""
        raise NotImplementedError

    def evaluate(
        self, model: torch.nn.Module, data: Encoded, batch_size: int, device: torch.device, autocast: Autocast
    ) -> dict[str, float]:
        """At least "loss" and "accuracy"; other keys become eval_<key> in the final metrics."""
        raise NotImplementedError

    def baseline(self, data: Encoded) -> float:
        raise NotImplementedError

    def sample_texts(self, examples: list[Example]) -> list[str]:
        """Texts to verify the ONNX export on."""
        return [e.text for e in examples]

    def save(self, model: torch.nn.Module, out_dir: Path) -> Path:
        return save_checkpoint(model, self.tokenizer, out_dir)

    def export(self, model: torch.nn.Module, out_dir: Path, samples: list[str], max_length: int) -> tuple[Path, float]:
        return export_onnx(model, self.tokenizer, out_dir, samples, max_length, self.onnx_outputs)

    def samples(self, model: torch.nn.Module, validation: list[Example]) -> list[dict[str, str]]:
        """What the trained model writes for some validation inputs (generative tasks), with references."""
        return []

    def sample_metrics(self, samples: list[dict[str, str]]) -> dict[str, float]:
        """Metrics of those samples (measured once, after training)."""
        return {}


def splits(count: int, batch_size: int) -> Iterator[list[int]]:
    """Row indices 0..count-1 in consecutive batches (evaluation order)."""
    for start in range(0, count, batch_size):
        yield list(range(start, min(start + batch_size, count)))


def token_losses(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-example sum of token cross-entropies, target-token count and correct top-1 count, over the
    positions whose target is not -100 (logits [batch, sequence, vocab], targets [batch, sequence])."""
    flat = torch.nn.functional.cross_entropy(
        logits.float().flatten(0, 1), targets.flatten(), ignore_index=-100, reduction="none"
    ).view(targets.shape)
    counted = targets != -100
    correct = (logits.argmax(dim=-1) == targets) & counted
    return flat.sum(dim=1), counted.sum(dim=1), correct.sum(dim=1)


TokenLosses = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


def lm_logits(model: torch.nn.Module, inputs: Inputs, autocast: Autocast) -> torch.Tensor:
    """A language model's logits [batch, sequence, vocab] for a batch of its inputs."""
    with autocast():
        return model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits


def lm_losses(
    model: torch.nn.Module, inputs: Inputs, autocast: Autocast, losses: TokenLosses = token_losses
) -> torch.Tensor:
    """Each example's mean token loss over its targets (`losses`: token_losses or a shifted variant)."""
    total, count, _ = losses(lm_logits(model, inputs, autocast), inputs["labels"])
    return total / count.clamp_min(1)


@torch.no_grad()
def lm_metrics(
    model: torch.nn.Module, batches: Iterable[Inputs], autocast: Autocast, losses: TokenLosses = token_losses
) -> dict[str, float]:
    """Per target token over all the batches: loss, perplexity, top-1 accuracy."""
    model.eval()
    loss, tokens, correct = 0.0, 0, 0
    for inputs in batches:
        total, count, right = losses(lm_logits(model, inputs, autocast), inputs["labels"])
        loss, tokens, correct = loss + float(total.sum()), tokens + int(count.sum()), correct + int(right.sum())
    mean = loss / max(tokens, 1)
    return {"loss": mean, "accuracy": correct / max(tokens, 1), "perplexity": math.exp(min(mean, 700.0))}


def majority_share(values: list[int]) -> float:
    """Share of the most common value."""
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts.values()) / max(len(values), 1)


