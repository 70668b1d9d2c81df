"""The optimizer every run has, chosen by schedule.optimizer. Weight decay applies to matrices only (not to
biases and LayerNorm gains); frozen parameters are left out. Adding an optimizer = one function and one
line in OPTIMIZERS (and its name in job.ts's optimizer enum).

  sgd      torch SGD with schedule.momentum (0: plain SGD); weight decay as L2 in the gradient
  adam     torch Adam, betas (0.9, 0.98); weight decay as L2 in the gradient
  adamw    torch AdamW, betas (0.9, 0.98); decoupled weight decay
  signsgd  SignSGD: step by -lr * sign(gradient) (with schedule.momentum > 0: the sign of the momentum,
           i.e. Signum); decoupled weight decay
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from ..config import ScheduleConfig

BETAS = (0.9, 0.98)
EPS = 1e-8

ParamGroups = list[dict[str, Any]]


class SignSGD(torch.optim.Optimizer):
    """p <- p - lr * (sign(m) + weight_decay * p), m <- momentum * m + (1 - momentum) * grad (m = grad when
    momentum is 0). Bernstein et al. 2018, "signSGD: compressed optimisation for non-convex problems"."""

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                direction = p.grad
                if momentum > 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    buffer = state["momentum_buffer"]
                    buffer.mul_(momentum).add_(p.grad, alpha=1 - momentum)
                    direction = buffer
                if decay:
                    p.mul_(1 - lr * decay)
                p.add_(torch.sign(direction), alpha=-lr)
        return loss


def param_groups(model: torch.nn.Module, weight_decay: float) -> ParamGroups:
    trainable = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in trainable if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in trainable if p.dim() < 2], "weight_decay": 0.0},
    ]


OPTIMIZERS: dict[str, Callable[[ParamGroups, ScheduleConfig], torch.optim.Optimizer]] = {
    "adamw": lambda groups, s: torch.optim.AdamW(groups, lr=s.learning_rate, betas=BETAS, eps=EPS),
    "adam": lambda groups, s: torch.optim.Adam(groups, lr=s.learning_rate, betas=BETAS, eps=EPS),
    "sgd": lambda groups, s: torch.optim.SGD(groups, lr=s.learning_rate, momentum=s.momentum),
    "signsgd": lambda groups, s: SignSGD(groups, lr=s.learning_rate, momentum=s.momentum),
}


def make_optimizer(model: torch.nn.Module, s: ScheduleConfig) -> torch.optim.Optimizer:
    return OPTIMIZERS[s.optimizer](param_groups(model, s.weight_decay), s)
