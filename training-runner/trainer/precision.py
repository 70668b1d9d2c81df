"""Mixed precision: which autocast the forward passes run in, and the gradient scaler.

  fp32  no autocast
  bf16  torch.autocast to bfloat16, on CUDA or on CPU (bf16 keeps fp32's exponent range: no scaler needed)
  fp16  torch.autocast to float16, CUDA only, with a GradScaler: the loss is scaled up so small gradients do
        not flush to zero, the step is skipped (and the scale lowered) when a gradient overflows
  auto  bf16 on CUDA, fp32 on CPU

The loss and the optimizer's master weights stay fp32 either way."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch

from .errors import TrainerError

Precision = Literal["auto", "fp32", "bf16", "fp16"]
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass
class MixedPrecision:
    name: Literal["fp32", "bf16", "fp16"]
    autocast: Callable[[], contextlib.AbstractContextManager[None]]
    scaler: torch.amp.GradScaler  # disabled (a pass-through) except for fp16


def mixed_precision(device: torch.device, requested: Precision) -> MixedPrecision:
    name = ("bf16" if device.type == "cuda" else "fp32") if requested == "auto" else requested
    if name == "fp16" and device.type != "cuda":
        raise TrainerError('precision "fp16" needs CUDA (on CPU use "bf16")')
    scaler = torch.amp.GradScaler(device.type, enabled=name == "fp16")
    if name == "fp32":
        return MixedPrecision("fp32", contextlib.nullcontext, scaler)
    dtype = DTYPES[name]
    return MixedPrecision(name, lambda: torch.autocast(device.type, dtype=dtype), scaler)
