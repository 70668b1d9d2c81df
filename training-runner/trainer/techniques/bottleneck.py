"""The bottleneck adapter modules (adapters.py) and where they go in a BERT encoder layer."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

PLACEMENTS = {"attention": "attention.output.dense", "ffn": "output.dense"}


class Bottleneck(nn.Module):
    """h + up(f(down(h))), with up initialised to zero: the identity until it trains."""

    def __init__(self, hidden: int, size: int, activation: str) -> None:
        super().__init__()
        self.down = nn.Linear(hidden, size)
        self.activation = nn.ReLU() if activation == "relu" else nn.GELU()
        self.up = nn.Linear(size, hidden)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden + self.up(self.activation(self.down(hidden)))


class Adapted(nn.Module):
    """A linear layer followed by its adapter (the layer's own weights keep their place under .linear)."""

    def __init__(self, linear: nn.Linear, size: int, activation: str) -> None:
        super().__init__()
        self.linear = linear
        self.adapter = Bottleneck(linear.out_features, size, activation)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.adapter(self.linear(inputs))


def add_adapters(model: nn.Module, size: int, placement: Iterable[str], activation: str) -> nn.Module:
    """Put an adapter after each encoder layer's attention output and/or feed-forward output projection, in
    place; returns the model. Works on a plain transformers model or one wrapped (PEFT)."""
    wanted = {PLACEMENTS[p] for p in placement}
    targets = [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear)
        and "encoder.layer." in name  # BertModel's own names start there (the embedding task's encoder)
        and any(name.endswith("." + w) and ("attention" in w) == ("attention" in name) for w in wanted)
    ]
    for name in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        setattr(parent, child, Adapted(getattr(parent, child), size, activation))
    return model
