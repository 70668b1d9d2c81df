"""The learning-rate curve, chosen by schedule.lr_schedule: a multiplier of the peak learning rate for
each optimizer step, rising linearly to 1 over schedule.warmup_steps, then

  linear    falling linearly, reaching 1/(steps - warmup) at the last step
  cosine    following half a cosine from 1 towards 0 (reaching (1 - cos(pi/(steps - warmup)))/2 at the end)
  constant  staying at 1

Adding a schedule = one function and one line in LR_SCHEDULES (and its name in job.ts)."""

from __future__ import annotations

import math
from collections.abc import Callable

Factor = Callable[[int], float]


def _warmed_up(decay: Callable[[float], float]) -> Callable[[int, int], Factor]:
    """A schedule from its decay curve: decay(progress) for progress in (0, 1], 1 = the last step."""

    def schedule(warmup_steps: int, steps: int) -> Factor:
        def factor(done: int) -> float:  # `done` optimizer steps taken so far (LambdaLR's argument)
            step = done + 1
            if step <= warmup_steps:
                return step / warmup_steps
            remaining = max(1, steps - warmup_steps)
            progress = min(1.0, (step - warmup_steps - 1) / remaining)  # 0 right after the warm-up
            return decay(progress)

        return factor

    return schedule


LR_SCHEDULES: dict[str, Callable[[int, int], Factor]] = {
    "linear": _warmed_up(lambda progress: 1.0 - progress),
    "cosine": _warmed_up(lambda progress: 0.5 * (1.0 + math.cos(math.pi * progress))),
    "constant": _warmed_up(lambda progress: 1.0),
}


def lr_factor(name: str, warmup_steps: int, steps: int) -> Factor:
    return LR_SCHEDULES[name](warmup_steps, steps)
