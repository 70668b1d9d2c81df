"""Multi-stage training: a job's `stages` run one after another on the same model, each stage starting from
the previous stage's final weights (after its final-model hooks: LoRA merged, SWA's mean swapped in). A stage
overrides parts of the job: its `schedule` fields replace the job's (the rest are kept), its `techniques`, when
given, replace the job's list. The classic use: stage 1 trains the head on a frozen encoder at a high learning
rate, stage 2 fine-tunes everything at a low one. Every stage has its own optimizer, learning-rate curve and
step count; its events carry "stage" (0, 1, ...). Snapshots go to checkpoints/stage-N/; a job with stages
cannot resume from one (resume_from refuses).

Python imports config lazily (config imports this module to parse and check the stages)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import JobError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerFast

    from .config import JobConfig, ScheduleConfig
    from .data import Example
    from .events import Events
    from .train import TrainResult

STAGED_EVENTS = ("start", "step", "eval", "snapshot", "early_stop")


@dataclass(frozen=True)
class StageConfig:
    schedule: ScheduleConfig  # the job's schedule with the stage's fields replaced
    techniques: tuple[Any, ...]  # the stage's own list, else the job's


def parse_stages(raw: dict[str, Any]) -> tuple[StageConfig, ...]:
    from .config import REGISTRY, ScheduleConfig, _section

    stages = []
    for entry in raw.get("stages", []):
        schedule = _section(ScheduleConfig, {**raw.get("schedule", {}), **entry.get("schedule", {})})
        listed = entry.get("techniques", raw.get("techniques", []))
        techniques = tuple(
            _section(REGISTRY[t["name"]].Config, {k: v for k, v in t.items() if k != "name"}) for t in listed
        )
        stages.append(StageConfig(schedule=schedule, techniques=techniques))
    return tuple(stages)


def validate_stage_techniques(raw: Any, schema: dict[str, Any], validator: Any) -> None:
    """Each stage's technique entries judged by their own schemas, errors named stages.N.techniques.M...."""
    from .config import _validate_techniques

    stages = raw.get("stages") if isinstance(raw, dict) else None
    for index, entry in enumerate(stages if isinstance(stages, list) else []):
        if isinstance(entry, dict):
            with _within(index):
                _validate_techniques(entry, schema, validator)


def check_stages(job: JobConfig) -> None:
    from .config import check_job

    if job.stages and job.resume_from is not None:
        raise JobError("invalid job: resume_from: a job with stages cannot resume from a snapshot")
    for index, stage in enumerate(job.stages):
        with _within(index):
            check_job(stage_job(job, stage))


def stage_job(job: JobConfig, stage: StageConfig) -> JobConfig:
    """The job one stage runs: the stage's schedule and techniques, no stages of its own."""
    return dataclasses.replace(job, schedule=stage.schedule, techniques=stage.techniques, stages=())


def train_stages(
    job: JobConfig,
    tokenizer: PreTrainedTokenizerFast,
    train_set: list[Example],
    validation_set: list[Example],
    events: Events,
    snapshots: Path | None = None,
) -> TrainResult:
    """Train the job: in one go, or stage after stage on the same model."""
    from .train import train

    if not job.stages:
        return train(job, tokenizer, train_set, validation_set, events, snapshots=snapshots)
    model: torch.nn.Module | None = None
    seconds = 0.0
    for index, stage in enumerate(job.stages):
        result = train(
            stage_job(job, stage),
            tokenizer,
            train_set,
            validation_set,
            staged_events(events, index),
            snapshots=snapshots / f"stage-{index}" if snapshots is not None else None,
            initial_model=model,
        )
        model, seconds = result.model, seconds + result.metrics["train_seconds"]
    metrics = {**result.metrics, "train_seconds": seconds, "stages": float(len(job.stages))}
    return dataclasses.replace(result, metrics=metrics)  # the last stage's result, with every stage's time


def staged_events(events: Events, stage: int) -> Events:
    """Events with the stage's index on the training events (start, step, eval, snapshot, early_stop)."""
    from .events import Events

    class StageEvents(Events):
        def __init__(self) -> None:
            pass

        def emit(self, event_type: str, **fields: Any) -> None:
            events.emit(event_type, **({**fields, "stage": stage} if event_type in STAGED_EVENTS else fields))

    return StageEvents()


@contextlib.contextmanager
def _within(index: int) -> Iterator[None]:
    """Re-raise a JobError about a stage's job with the field named from the job's top: stages.N.<field>."""
    try:
        yield
    except JobError as error:
        raise JobError(str(error).replace("invalid job: ", f"invalid job: stages.{index}.", 1)) from None
