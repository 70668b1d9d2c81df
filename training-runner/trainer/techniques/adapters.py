"""Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2021 keep only the one after the feed-forward
block): after a sub-layer's output projection, a small residual block h + up(f(down(h))) with `size` hidden
units. `up` starts at zero, so training starts from the base model exactly. The base weights are frozen; the
adapters and the task head (the classifier) train.

Written by hand (bottleneck.py) because the libraries that have it do not fit: PEFT 0.21 has no bottleneck
adapter (LoRA, IA3, prompt tuning and kin only), and AdapterHub's `adapters` 1.3 pins transformers ~= 4.57
while the trainer runs transformers 5.

Unlike LoRA, an adapter cannot be merged into the weights (its nonlinearity sits between the projections):
the final model keeps the adapter modules, the ONNX export carries them (a few small MatMuls per layer), and
the checkpoint's safetensors holds them under "...dense.adapter.*" names (bottleneck.add_adapters rebuilds the
structure to load them; a plain transformers BertForSequenceClassification would drop them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..errors import JobError
from ..models import family
from .base import Technique

if TYPE_CHECKING:
    import torch

    from ..config import JobConfig


@dataclass(frozen=True)
class AdaptersConfig:
    size: int = 16
    placement: tuple[Literal["attention", "ffn"], ...] = ("attention", "ffn")
    activation: Literal["relu", "gelu"] = "relu"


class Adapters(Technique):
    name = "adapters"
    Config = AdaptersConfig
    config: AdaptersConfig

    @classmethod
    def check(cls, config: AdaptersConfig, job: JobConfig, where: str) -> None:
        if family(job.model.base) != "bert":
            raise JobError(f"invalid job: {where}: adapters go into BERT encoder layers; {job.model.base} has none")

    def model(self, model: torch.nn.Module) -> torch.nn.Module:
        from .bottleneck import add_adapters

        c = self.config
        add_adapters(model, c.size, c.placement, c.activation)
        for name, parameter in model.named_parameters():
            parameter.requires_grad_(".adapter." in name or name.split(".")[-2] == "classifier")
        return model
