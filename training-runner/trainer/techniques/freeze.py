"""Layer freezing: parameters that never change. `layers: N` freezes the embeddings and the first N encoder
layers; `patterns` freezes every parameter whose name matches a glob (fnmatch, e.g. "bert.embeddings.*").
Frozen parameters get no gradient and are left out of the optimizer, so they stay bit-identical."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import JobError
from ..models import num_layers, parameter_names
from .base import Technique

if TYPE_CHECKING:
    import torch

    from ..config import JobConfig


@dataclass(frozen=True)
class FreezeConfig:
    layers: int = 0
    patterns: tuple[str, ...] = ()

    def frozen(self, name: str) -> bool:
        bare = name.removeprefix("base_model.model.")  # the same name under a PEFT wrapper
        prefixes = ["bert.embeddings."] + [f"bert.encoder.layer.{i}." for i in range(self.layers)]
        if self.layers > 0 and any(bare.startswith(p) for p in prefixes):
            return True
        return any(fnmatch.fnmatchcase(bare, pattern) for pattern in self.patterns)


class Freeze(Technique):
    name = "freeze"
    Config = FreezeConfig
    config: FreezeConfig

    @classmethod
    def check(cls, config: FreezeConfig, job: JobConfig, where: str) -> None:
        base = job.model.base
        if config.layers == 0 and not config.patterns:
            raise JobError(f"invalid job: {where}: give layers or patterns (nothing would be frozen)")
        if config.layers > num_layers(base):
            raise JobError(
                f"invalid job: {where}.layers: {config.layers} exceeds {base}'s {num_layers(base)} layers"
            )
        names = parameter_names(base)
        for pattern in config.patterns:
            if not any(fnmatch.fnmatchcase(name, pattern) for name in names):
                raise JobError(f"invalid job: {where}.patterns: {pattern!r} matches no parameter of {base}")
        if all(config.frozen(name) for name in names):
            raise JobError(f"invalid job: {where}: every parameter would be frozen")

    def model(self, model: torch.nn.Module) -> torch.nn.Module:
        for name, parameter in model.named_parameters():
            if self.config.frozen(name):
                parameter.requires_grad_(False)
        return model
