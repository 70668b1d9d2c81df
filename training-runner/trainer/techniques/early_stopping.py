"""Early stopping: end training when the validation metric has not improved by more than `threshold` for
`patience` evaluations in a row (evaluations come every schedule.eval_interval steps)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .base import Technique

if TYPE_CHECKING:
    from ..config import JobConfig


@dataclass(frozen=True)
class EarlyStoppingConfig:
    patience: int = 3
    threshold: float = 0.0
    metric: Literal["eval_loss", "eval_accuracy"] = "eval_loss"


class EarlyStopping(Technique):
    name = "early-stopping"
    Config = EarlyStoppingConfig
    config: EarlyStoppingConfig

    def __init__(self, config: EarlyStoppingConfig, job: JobConfig) -> None:
        super().__init__(config, job)
        self.best: float | None = None
        self.best_step = 0
        self.evals_without_improvement = 0
        self.stopped_at: int | None = None

    def after_eval(self, step: int, metrics: dict[str, float]) -> bool:
        value = metrics[self.config.metric]
        sign = 1.0 if self.config.metric == "eval_loss" else -1.0  # lower loss / higher accuracy is better
        if self.best is None or sign * (self.best - value) > self.config.threshold:
            self.best, self.best_step, self.evals_without_improvement = value, step, 0
            return False
        self.evals_without_improvement += 1
        if self.evals_without_improvement >= self.config.patience:
            self.stopped_at = step
            return True
        return False

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_step": self.best_step, "bad": self.evals_without_improvement}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_step, self.evals_without_improvement = state["best"], state["best_step"], state["bad"]
