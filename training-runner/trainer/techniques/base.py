"""What a technique is: a config (a frozen dataclass; its JSON shape is the technique's zod schema in
../../techniques.ts) and a class overriding the hooks it plugs into. Every hook defaults to doing nothing,
so a technique says only what it changes. The loop (../train.py) calls each hook on every technique the job
lists, in the job's order, through Hooks.

Technique modules import torch inside their hooks, not at the top: the job (and each technique's check) is
read before torch is imported, so bad input fails in a fraction of a second."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import torch

    from ..batches import Batches, Encoded
    from ..config import JobConfig
    from ..data import Example


class Technique:
    name: ClassVar[str]  # the job's technique name (the registry key)
    Config: ClassVar[type]  # its options

    def __init__(self, config: Any, job: JobConfig) -> None:
        self.config = config
        self.job = job

    @classmethod
    def check(cls, config: Any, job: JobConfig, where: str) -> None:
        """What JSON Schema cannot say about the options (raise JobError naming `where`.field). Runs before
        any compute."""

    @classmethod
    def check_data(cls, config: Any, train: list[Example], where: str) -> None:
        """What the options require of the training lines (raise JobError). Runs when the data is read, before
        any compute."""

    def setup(self, train: Encoded) -> None:
        """Once, with the encoded training split, before the model is built."""

    def model(self, model: torch.nn.Module) -> torch.nn.Module:
        """Change or wrap the freshly initialised model (freeze weights, add adapters)."""
        return model

    def batches(self, train: Encoded, batch_size: int, seed: int) -> Batches | None:
        """Data order: the sampler that picks each step's examples, or None to keep the default."""
        return None

    def example_weights(self, batch: Encoded) -> torch.Tensor | None:
        """Loss: a weight per example of the batch (the loss is sum(w * loss) / sum(w) over the step)."""
        return None

    def training_batch(self, batch: Encoded, step: int) -> Encoded:
        """Change a training batch's examples (data augmentation); validation never passes through here."""
        return batch

    def after_step(self, step: int, model: torch.nn.Module) -> None:
        """After each optimizer step."""

    def after_eval(self, step: int, metrics: dict[str, float]) -> bool:
        """After each evaluation; True stops training."""
        return False

    def final_model(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model to checkpoint and export (merge adapters, swap in averaged weights)."""
        return model

    def state_dict(self) -> dict[str, Any]:
        """What a snapshot must keep for a resumed run to continue exactly."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


class Hooks:
    """Every technique's hooks, called in the job's order."""

    def __init__(self, techniques: list[Technique]) -> None:
        self.techniques = techniques

    def setup(self, train: Encoded) -> None:
        for t in self.techniques:
            t.setup(train)

    def model(self, model: torch.nn.Module) -> torch.nn.Module:
        for t in self.techniques:
            model = t.model(model)
        return model

    def batches(self, train: Encoded, batch_size: int, seed: int, default: Batches) -> Batches:
        chosen = [b for t in self.techniques if (b := t.batches(train, batch_size, seed)) is not None]
        return chosen[-1] if chosen else default

    def example_weights(self, batch: Encoded) -> torch.Tensor:
        import torch

        weights = torch.ones(len(batch))
        for t in self.techniques:
            w = t.example_weights(batch)
            if w is not None:
                weights = weights * w
        return weights

    def training_batch(self, batch: Encoded, step: int) -> Encoded:
        for t in self.techniques:
            batch = t.training_batch(batch, step)
        return batch

    def after_step(self, step: int, model: torch.nn.Module) -> None:
        for t in self.techniques:
            t.after_step(step, model)

    def after_eval(self, step: int, metrics: dict[str, float]) -> bool:
        stops = [t.after_eval(step, metrics) for t in self.techniques]  # every technique sees every eval
        return any(stops)

    def final_model(self, model: torch.nn.Module) -> torch.nn.Module:
        for t in reversed(self.techniques):  # undo wrappers innermost-last
            model = t.final_model(model)
        return model

    def state_dict(self) -> dict[str, Any]:
        return {t.name: t.state_dict() for t in self.techniques}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for t in self.techniques:
            t.load_state_dict(state[t.name])
