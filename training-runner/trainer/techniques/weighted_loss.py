"""Weighted loss: each example's loss counts w times, the step's loss being sum(w * loss) / sum(w) (for
class weights, exactly torch's cross_entropy(weight=...)). Class weights come from the job (per label, or
"balanced": n / (classes * count) from the training split); per-example weights from each dataset line's
"weight" (example_weights: true). Both multiply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..errors import JobError
from .base import Technique

if TYPE_CHECKING:
    import torch

    from ..batches import Encoded
    from ..config import JobConfig


@dataclass(frozen=True)
class WeightedLossConfig:
    class_weights: dict[str, float] | Literal["balanced"] | None = None
    example_weights: bool = False


class WeightedLoss(Technique):
    name = "weighted-loss"
    Config = WeightedLossConfig
    config: WeightedLossConfig

    @classmethod
    def check(cls, config: WeightedLossConfig, job: JobConfig, where: str) -> None:
        weights = config.class_weights
        if weights is None and not config.example_weights:
            raise JobError(f"invalid job: {where}: give class_weights or example_weights (nothing to weight)")
        if isinstance(weights, dict):
            for label in weights:
                if label not in job.task.labels:
                    raise JobError(
                        f"invalid job: {where}.class_weights: {label!r} is not one of the task labels "
                        f"{list(job.task.labels)}"
                    )
            if all(weights.get(label, 1.0) == 0 for label in job.task.labels):
                raise JobError(f"invalid job: {where}.class_weights: every class has weight 0")

    def __init__(self, config: WeightedLossConfig, job: JobConfig) -> None:
        super().__init__(config, job)
        self.per_class: list[float] | None = None  # by label id; unlisted labels weigh 1
        if isinstance(config.class_weights, dict):
            self.per_class = [float(config.class_weights.get(label, 1.0)) for label in job.task.labels]

    def setup(self, train: Encoded) -> None:
        if self.config.class_weights == "balanced":
            classes = len(self.job.task.labels)
            counts = [train.labels.count(c) for c in range(classes)]
            self.per_class = [len(train) / (classes * n) if n else 0.0 for n in counts]

    def example_weights(self, batch: Encoded) -> torch.Tensor:
        import torch

        weights = torch.ones(len(batch))
        if self.per_class is not None:
            weights = weights * torch.tensor([self.per_class[label] for label in batch.labels])
        if self.config.example_weights:
            weights = weights * torch.tensor(batch.weights)
        return weights
