"""Dropout: the probabilities of the model's dropout layers (BERT's defaults are 0.1 for both): `hidden` on
embeddings and each sub-layer's output (and before the head), `attention` on the attention weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import Technique

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class DropoutConfig:
    hidden: float = 0.1
    attention: float = 0.1


class Dropout(Technique):
    name = "dropout"
    Config = DropoutConfig
    config: DropoutConfig

    def model(self, model: torch.nn.Module) -> torch.nn.Module:
        import torch

        for name, module in model.named_modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = self.config.attention if name.endswith("attention.self.dropout") else self.config.hidden
        config = getattr(model, "config", None)
        if config is not None:  # so that the saved config.json says so too
            config.hidden_dropout_prob = self.config.hidden
            config.attention_probs_dropout_prob = self.config.attention
        return model
