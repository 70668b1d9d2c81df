"""Curriculum learning: easy examples first. Each example gets a difficulty (`score`: its token count, or
the dataset line's "difficulty" number); the first steps draw only from the easiest `start` fraction, and
the pool grows linearly (pacing) to the whole split at `full_at` x schedule.steps. Batches are drawn at
random from the current pool."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import JobError
from .base import Technique

if TYPE_CHECKING:
    from ..batches import Batches, Encoded
    from ..config import JobConfig
    from ..data import Example


@dataclass(frozen=True)
class CurriculumConfig:
    score: Literal["length", "difficulty"] = "length"
    start: float = 0.3
    full_at: float = 0.5


class Curriculum(Technique):
    name = "curriculum"
    Config = CurriculumConfig
    config: CurriculumConfig

    @classmethod
    def check(cls, config: CurriculumConfig, job: JobConfig, where: str) -> None:
        if config.full_at * job.schedule.steps < 1:
            raise JobError(f"invalid job: {where}.full_at: the whole split must be reached after at least one step")

    @classmethod
    def check_data(cls, config: CurriculumConfig, train: list[Example], where: str) -> None:
        if config.score == "difficulty":
            missing = next((i for i, e in enumerate(train) if e.difficulty is None), None)
            if missing is not None:
                raise JobError(
                    f'invalid job: {where}.score: "difficulty" needs a "difficulty" on every training line; '
                    f"example {missing + 1} has none"
                )

    def batches(self, train: Encoded, batch_size: int, seed: int) -> Batches:
        from ..batches import Batches

        c, steps = self.config, self.job.schedule.steps
        scores = [len(ids) for ids in train.ids] if c.score == "length" else train.difficulties
        assert scores is not None
        easiest_first = sorted(range(len(train)), key=lambda i: (scores[i], i))

        def pool_size(step: int) -> int:
            """How many of the easiest examples step `step` may draw from (linear pacing)."""
            progress = min(1.0, step / (c.full_at * steps))
            share = c.start + (1.0 - c.start) * progress
            return min(len(easiest_first), max(batch_size, math.ceil(share * len(easiest_first))))

        class Paced(Batches):
            """A random batch from the current pool each step (its state: the generator and the step)."""

            step = 0

            def next(self) -> list[int]:
                import torch

                self.step += 1
                picks = torch.randperm(pool_size(self.step), generator=self.generator)[:batch_size]
                return [easiest_first[i] for i in picks.tolist()]

            def state_dict(self) -> dict[str, Any]:
                return {**super().state_dict(), "step": self.step}

            def load_state_dict(self, state: dict[str, Any]) -> None:
                super().load_state_dict(state)
                self.step = int(state["step"])

        return Paced(len(train), batch_size, seed)
