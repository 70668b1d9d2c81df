"""Masked language modelling (BERT's pre-training objective) on lines {text}: each batch draws
mask_probability of the real tokens ([CLS], [SEP] and padding never) as targets; of those 80 % become
[MASK], 10 % a random token, 10 % stay, and the model predicts the original. Training draws masks from
torch's global RNG (so snapshots resume them exactly); every evaluation draws the same masks (a generator
seeded with the job's seed), so evaluations compare. Metrics: loss, perplexity and accuracy over the
masked tokens. The ONNX file gives logits per position ([batch, sequence, vocab])."""

from __future__ import annotations


import torch

from ..batches import Encoded, pad, pad_ids
from ..config import MaskedLmTask
from ..data import Example
from ..models import build_masked_lm
from .base import Autocast, Inputs, Task, lm_losses, lm_metrics, majority_share, splits

IGNORE = -100


class MaskedLm(Task):
    config: MaskedLmTask

    def encode(self, examples: list[Example], max_length: int) -> Encoded:
        ids = self.tokenizer([e.text for e in examples], truncation=True, max_length=max_length)["input_ids"]
        return Encoded(
            ids=ids,
            labels=[None] * len(examples),
            weights=[e.weight for e in examples],
            difficulties=[e.difficulty for e in examples],
        )

    def model(self) -> torch.nn.Module:
        return build_masked_lm(self.job.model.base, len(self.tokenizer), self.pad_id)

    def inputs(self, batch: Encoded, device: torch.device, generator: torch.Generator | None = None) -> Inputs:
        input_ids, attention_mask = pad_ids(batch.ids, self.pad_id)
        masked, labels = self.mask(input_ids, generator)
        tensors = {"input_ids": masked, "attention_mask": attention_mask, "labels": labels}
        return {name: t.to(device) for name, t in tensors.items()}

    def mask(self, input_ids: torch.Tensor, generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """The 80/10/10 corruption and its targets (IGNORE where no token was drawn). Every row gets at least
        one target, so that no example's loss is empty."""
        special = torch.tensor(self.tokenizer.all_special_ids)
        candidates = ~torch.isin(input_ids, special)
        draw = torch.rand(input_ids.shape, generator=generator)
        chosen = candidates & (draw < self.config.mask_probability)
        lacking = ~chosen.any(dim=1) & candidates.any(dim=1)  # rows the draw left without a target:
        best = torch.where(candidates, draw, torch.full_like(draw, 2.0)).argmin(dim=1)  # take their lowest draw
        chosen[lacking, best[lacking]] = True
        labels = torch.where(chosen, input_ids, torch.full_like(input_ids, IGNORE))
        how = torch.rand(input_ids.shape, generator=generator)
        corrupted = input_ids.clone()
        corrupted[chosen & (how < 0.8)] = self.tokenizer.mask_token_id  # type: ignore[assignment]
        randomised = chosen & (how >= 0.8) & (how < 0.9)
        first_piece = len(self.tokenizer.all_special_ids)  # special tokens come first in the vocabulary
        random_ids = torch.randint(first_piece, len(self.tokenizer), input_ids.shape, generator=generator)
        corrupted[randomised] = random_ids[randomised]
        return corrupted, labels

    def losses(self, model: torch.nn.Module, inputs: Inputs, autocast: Autocast) -> torch.Tensor:
        return lm_losses(model, inputs, autocast)

    def evaluate(
        self, model: torch.nn.Module, data: Encoded, batch_size: int, device: torch.device, autocast: Autocast
    ) -> dict[str, float]:
        generator = torch.Generator().manual_seed(self.job.schedule.seed)
        batches = (self.inputs(data.take(rows), device, generator) for rows in splits(len(data), batch_size))
        return lm_metrics(model, batches, autocast)

    def baseline(self, data: Encoded) -> float:
        """Always predicting the most common (non-special) token."""
        special = set(self.tokenizer.all_special_ids)
        return majority_share([t for row in data.ids for t in row if t not in special])
