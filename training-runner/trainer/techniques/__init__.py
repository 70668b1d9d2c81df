"""Training techniques, one module each (see base.py for the hooks). REGISTRY maps the names a job lists
under "techniques" to their classes: adding a technique = one module, one line here, and its zod schema in
../../techniques.ts.

The loop's own choices live in job.schedule, each with a small registry of its own: the optimizer
(optimizers.py: sgd, adam, adamw, signsgd) and the learning-rate curve (lr_schedules.py: linear, cosine,
constant)."""

from __future__ import annotations

from .adapters import Adapters
from .augmentation import Augmentation
from .base import Hooks, Technique
from .curriculum import Curriculum
from .dropout import Dropout
from .early_stopping import EarlyStopping
from .freeze import Freeze
from .lora import Lora
from .swa import Swa
from .weighted_loss import WeightedLoss

REGISTRY: dict[str, type[Technique]] = {
    "lora": Lora,
    "freeze": Freeze,
    "early-stopping": EarlyStopping,
    "weighted-loss": WeightedLoss,
    "dropout": Dropout,
    "swa": Swa,
    "curriculum": Curriculum,
    "adapters": Adapters,
    "augmentation": Augmentation,
}

__all__ = ["REGISTRY", "Hooks", "Technique"]
