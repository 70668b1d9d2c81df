"""LoRA (PEFT): the base weights are frozen and each targeted linear layer learns a low-rank update
W + (alpha / r) * B @ A; the task head trains in full (PEFT's modules_to_save for sequence classification).
For the checkpoint and the ONNX export the updates are merged into the weights, so the exported model is a
plain transformers model with no adapter code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..errors import JobError
from ..models import linear_module_names
from .base import Technique

if TYPE_CHECKING:
    import torch

    from ..config import JobConfig


@dataclass(frozen=True)
class LoraConfig:
    r: int = 8
    alpha: float = 16.0
    dropout: float = 0.0
    target_modules: tuple[str, ...] = ("query", "value")


class Lora(Technique):
    name = "lora"
    Config = LoraConfig
    config: LoraConfig

    @classmethod
    def check(cls, config: LoraConfig, job: JobConfig, where: str) -> None:
        modules = linear_module_names(job.model.base)
        for target in config.target_modules:
            if target == "classifier" or not any(m == target or m.endswith("." + target) for m in modules):
                raise JobError(
                    f"invalid job: {where}.target_modules: {target!r} names no linear layer of "
                    f"{job.model.base} (the head always trains in full; try query, key, value, dense)"
                )

    def model(self, model: torch.nn.Module) -> torch.nn.Module:
        from peft import LoraConfig as PeftLoraConfig
        from peft import TaskType, get_peft_model

        c = self.config
        peft_config = PeftLoraConfig(
            task_type=TaskType.SEQ_CLS,
            r=c.r,
            lora_alpha=c.alpha,
            lora_dropout=c.dropout,
            target_modules=list(c.target_modules),
        )
        return get_peft_model(model, peft_config)

    def final_model(self, model: torch.nn.Module) -> torch.nn.Module:
        return model.merge_and_unload()  # type: ignore[operator]
