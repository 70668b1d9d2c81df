"""The job, as one typed object. Parsed from JSON and checked before any compute.

The JSON shape is defined by the zod schema in ../job.ts; job.schema.json is generated from it and every job
is validated against that file first, so both sides agree. Then the typed parse below adds the checks JSON
Schema cannot express (unique labels, warm-up within the run, sequence length within the model, files exist).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, get_type_hints

import jsonschema

from .errors import JobError
from .models import max_positions

SCHEMA_PATH = Path(__file__).with_name("job.schema.json")

Device = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class ModelConfig:
    base: str  # a name in models.MODELS


@dataclass(frozen=True)
class TaskConfig:
    labels: tuple[str, ...]
    type: Literal["sequence-classification"] = "sequence-classification"


@dataclass(frozen=True)
class DataConfig:
    train: Path
    validation: Path | None = None
    validation_fraction: float = 0.1  # held out of train when there is no validation file


@dataclass(frozen=True)
class TokenizerConfig:
    type: Literal["wordpiece"] = "wordpiece"
    vocab_size: int = 8000
    min_frequency: int = 2
    lowercase: bool = True


@dataclass(frozen=True)
class ScheduleConfig:
    steps: int = 500
    batch_size: int = 32
    learning_rate: float = 0.001
    warmup_steps: int = 50
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    seed: int = 0
    max_seq_length: int = 128
    eval_interval: int = 100
    log_interval: int = 10


@dataclass(frozen=True)
class JobConfig:
    model: ModelConfig
    task: TaskConfig
    data: DataConfig
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    device: Device = "auto"


def load_job(path: Path) -> JobConfig:
    """Read a job file; relative dataset paths are relative to the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise JobError(f"cannot read job file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise JobError(f"job file {path} is not JSON: {error.msg} at line {error.lineno}") from None
    return parse_job(raw, base_dir=path.resolve().parent)


def parse_job(raw: Any, base_dir: Path) -> JobConfig:
    validate_against_schema(raw)
    data = raw["data"]
    job = JobConfig(
        model=ModelConfig(**raw["model"]),
        task=TaskConfig(**{**raw["task"], "labels": tuple(raw["task"]["labels"])}),
        data=DataConfig(
            train=_resolve(base_dir, data["train"]),
            validation=_resolve(base_dir, data["validation"]) if "validation" in data else None,
            validation_fraction=data.get("validation_fraction", DataConfig.validation_fraction),
        ),
        tokenizer=_section(TokenizerConfig, raw.get("tokenizer", {})),
        schedule=_section(ScheduleConfig, raw.get("schedule", {})),
        device=raw.get("device", "auto"),
    )
    check_job(job)
    return job


def validate_against_schema(raw: Any) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(raw))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "job"
        raise JobError(f"invalid job: {where}: {error.message}")


def check_job(job: JobConfig) -> None:
    """What JSON Schema cannot say."""
    if len(set(job.task.labels)) != len(job.task.labels):
        raise JobError("invalid job: task.labels: labels must be unique")
    s = job.schedule
    if s.warmup_steps > s.steps:
        raise JobError(
            f"invalid job: schedule.warmup_steps: {s.warmup_steps} exceeds schedule.steps ({s.steps})"
        )
    limit = max_positions(job.model.base)
    if s.max_seq_length > limit:
        raise JobError(
            f"invalid job: schedule.max_seq_length: {s.max_seq_length} exceeds {job.model.base}'s "
            f"{limit} positions"
        )
    for name, path in (("data.train", job.data.train), ("data.validation", job.data.validation)):
        if path is not None and not path.is_file():
            raise JobError(f"invalid job: {name}: no such file: {path}")


Section = TypeVar("Section")


def _section(cls: type[Section], values: dict[str, Any]) -> Section:
    """Build a section, turning JSON numbers into the field's type (JSON Schema accepts 2.0 as an integer)."""
    hints = get_type_hints(cls)
    typed = {key: hints[key](value) if hints[key] in (int, float) else value for key, value in values.items()}
    return cls(**typed)


def _resolve(base_dir: Path, path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else base_dir / candidate
