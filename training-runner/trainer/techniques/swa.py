"""Stochastic weight averaging (Izmailov et al. 2018): from `start` (a fraction of schedule.steps) on, keep
the running mean of the trainable weights after every `every`-th step; the final model carries the mean.
(BERT has LayerNorm, not BatchNorm: no statistics to recompute.)"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import JobError
from .base import Technique

if TYPE_CHECKING:
    import torch

    from ..config import JobConfig


@dataclass(frozen=True)
class SwaConfig:
    start: float = 0.75
    every: int = 1


class Swa(Technique):
    name = "swa"
    Config = SwaConfig
    config: SwaConfig

    @classmethod
    def check(cls, config: SwaConfig, job: JobConfig, where: str) -> None:
        from ..config import config_name

        names = [config_name(c) for c in job.techniques]
        if "lora" in names and names.index("lora") > names.index("swa"):
            # final models are taken in reverse order: SWA must put its mean in before LoRA merges the adapters
            raise JobError(f"invalid job: {where}: list swa after lora (it averages the adapters before they merge)")
        if config.every > job.schedule.steps:
            raise JobError(f"invalid job: {where}.every: {config.every} exceeds schedule.steps ({job.schedule.steps})")

    def __init__(self, config: SwaConfig, job: JobConfig) -> None:
        super().__init__(config, job)
        self.first_step = max(1, math.ceil(config.start * job.schedule.steps))
        self.mean: dict[str, torch.Tensor] = {}
        self.count = 0

    def after_step(self, step: int, model: torch.nn.Module) -> None:
        if step < self.first_step or (step - self.first_step) % self.config.every:
            return
        self.count += 1
        for name, p in model.named_parameters():
            if p.requires_grad:
                weight = p.detach().float()
                if name not in self.mean:
                    self.mean[name] = weight.clone()
                else:
                    self.mean[name] += (weight - self.mean[name]) / self.count

    def final_model(self, model: torch.nn.Module) -> torch.nn.Module:
        import torch

        with torch.no_grad():
            for name, p in model.named_parameters():
                if name in self.mean:
                    p.copy_(self.mean[name])
        return model

    def state_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "count": self.count}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.mean, self.count = dict(state["mean"]), int(state["count"])
