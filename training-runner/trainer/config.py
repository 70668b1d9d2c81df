"""The job, as one typed object. Parsed from JSON and checked before any compute.

The JSON shape is defined by the zod schema in ../job.ts; job.schema.json is generated from it and every job
is validated against that file first, so both sides agree. Then the typed parse below adds the checks JSON
Schema cannot express (unique labels, warm-up within the run, sequence length within the model, files exist).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

import jsonschema

from .errors import JobError
from .models import family, max_positions, models_of
from .stages import check_stages, parse_stages, validate_stage_techniques
from .techniques import REGISTRY

SCHEMA_PATH = Path(__file__).with_name("job.schema.json")

Device = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class ModelConfig:
    base: str  # a name in models.MODELS


@dataclass(frozen=True)
class ClassificationTask:
    """Lines {text, label}; a BERT encoder with a classification head."""

    labels: tuple[str, ...]
    type: Literal["sequence-classification"] = "sequence-classification"


@dataclass(frozen=True)
class CausalLmTask:
    """A GPT-2 decoder: lines {prompt, completion} with the loss on completion tokens only, or lines {text}."""

    type: Literal["causal-lm"] = "causal-lm"
    input: Literal["prompt-completion", "text"] = "prompt-completion"


@dataclass(frozen=True)
class MaskedLmTask:
    """Lines {text}; a BERT encoder predicting masked tokens (80 % [MASK], 10 % random, 10 % kept)."""

    type: Literal["masked-lm"] = "masked-lm"
    mask_probability: float = 0.15


@dataclass(frozen=True)
class EmbeddingTask:
    """Lines {anchor, positive}; a mean-pooled BERT encoder trained with in-batch InfoNCE."""

    type: Literal["embedding"] = "embedding"
    temperature: float = 0.05


@dataclass(frozen=True)
class Head:
    name: str
    labels: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class MultiTask:
    """Lines {task, text, label}; one BERT encoder, a classification head per task; each step trains one head,
    drawn by weight."""

    heads: tuple[Head, ...]
    type: Literal["multi-task"] = "multi-task"


TaskConfig = ClassificationTask | CausalLmTask | MaskedLmTask | EmbeddingTask | MultiTask
TASKS: dict[str, type[TaskConfig]] = {
    "sequence-classification": ClassificationTask,
    "causal-lm": CausalLmTask,
    "masked-lm": MaskedLmTask,
    "embedding": EmbeddingTask,
    "multi-task": MultiTask,
}


@dataclass(frozen=True)
class DataConfig:
    train: Path
    validation: Path | None = None
    validation_fraction: float = 0.1  # held out of train when there is no validation file


@dataclass(frozen=True)
class TokenizerConfig:
    type: Literal["wordpiece", "bpe"] | None = None  # None: the model's own kind (models.default_tokenizer)
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
    optimizer: Literal["adamw", "adam", "sgd", "signsgd"] = "adamw"  # techniques/optimizers.py
    momentum: float = 0.9  # sgd and signsgd
    lr_schedule: Literal["linear", "cosine", "constant"] = "linear"  # techniques/lr_schedules.py
    grad_accumulation_steps: int = 1  # each step's batch is split into this many micro-batches
    checkpoint_interval: int = 0  # write a resumable snapshot every this many steps (0: none)


@dataclass(frozen=True)
class JobConfig:
    model: ModelConfig
    task: TaskConfig
    data: DataConfig
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    techniques: tuple[Any, ...] = ()  # each a technique's config (techniques.REGISTRY), in the job's order
    device: Device = "auto"
    resume_from: Path | None = None  # a snapshot folder (out/checkpoints/step-N) of this same job
    # scale (issue 4): mixed precision (precision.py) and multi-stage training (stages.py: each a StageConfig)
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    stages: tuple[Any, ...] = ()


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
        task=_task(raw["task"]),
        data=DataConfig(
            train=_resolve(base_dir, data["train"]),
            validation=_resolve(base_dir, data["validation"]) if "validation" in data else None,
            validation_fraction=data.get("validation_fraction", DataConfig.validation_fraction),
        ),
        tokenizer=_section(TokenizerConfig, raw.get("tokenizer", {})),
        schedule=_section(ScheduleConfig, raw.get("schedule", {})),
        techniques=tuple(
            _section(REGISTRY[entry["name"]].Config, {k: v for k, v in entry.items() if k != "name"})
            for entry in raw.get("techniques", [])
        ),
        device=raw.get("device", "auto"),
        resume_from=_resolve(base_dir, raw["resume_from"]) if "resume_from" in raw else None,
        precision=raw.get("precision", "auto"),
        stages=parse_stages(raw),
    )
    check_job(job)
    return job


def _task(raw: dict[str, Any]) -> TaskConfig:
    cls = TASKS[raw.get("type", "sequence-classification")]
    if cls is MultiTask:
        return MultiTask(heads=tuple(_section(Head, head) for head in raw["heads"]))
    return _section(cls, raw)


def validate_against_schema(raw: Any) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    _validate_task(raw, schema, validator)
    _validate_techniques(raw, schema, validator)
    validate_stage_techniques(raw, schema, validator)
    _raise_best(validator.iter_errors(raw), prefix=())


def _validate_techniques(raw: Any, schema: dict[str, Any], validator: Any) -> None:
    """Judge each technique entry by the schema its name selects, so an error names the technique's option
    (a plain oneOf error would only say that the entry matches none of the techniques)."""
    entries = raw.get("techniques") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        return
    branches = {b["properties"]["name"]["const"]: b for b in schema["properties"]["techniques"]["items"]["oneOf"]}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if name not in branches:
            where = f"techniques.{index}.name" if "name" in entry else f"techniques.{index}"
            what = f"{name!r} is not a technique" if "name" in entry else "'name' is a required property"
            raise JobError(f"invalid job: {where}: {what} (known: {', '.join(branches)})")
        _raise_best(validator.evolve(schema=branches[name]).iter_errors(entry), prefix=("techniques", index))


def _validate_task(raw: Any, schema: dict[str, Any], validator: Any) -> None:
    """Judge the task by the schema its type selects (absent: sequence-classification), so an error names the
    task's own field rather than saying the task matches none of the task types."""
    task = raw.get("task") if isinstance(raw, dict) else None
    if not isinstance(task, dict):
        return
    branches = {b["properties"]["type"]["const"]: b for b in schema["properties"]["task"]["oneOf"]}
    kind = task.get("type", "sequence-classification")
    if kind not in branches:
        raise JobError(f"invalid job: task.type: {kind!r} is not a task (known: {', '.join(branches)})")
    _raise_best(validator.evolve(schema=branches[kind]).iter_errors(task), prefix=("task",))


def _raise_best(errors: Any, prefix: tuple[Any, ...]) -> None:
    error = jsonschema.exceptions.best_match(errors)
    if error is not None:
        where = ".".join(str(part) for part in (*prefix, *error.absolute_path)) or "job"
        raise JobError(f"invalid job: {where}: {error.message}")


def check_job(job: JobConfig) -> None:
    """What JSON Schema cannot say."""
    if isinstance(job.task, ClassificationTask) and len(set(job.task.labels)) != len(job.task.labels):
        raise JobError("invalid job: task.labels: labels must be unique")
    if isinstance(job.task, MultiTask):
        check_heads(job.task.heads)
    wanted = "gpt2" if isinstance(job.task, CausalLmTask) else "bert"
    if family(job.model.base) != wanted:
        raise JobError(
            f"invalid job: model.base: {job.task.type} trains a {wanted} model "
            f"({', '.join(models_of(wanted))}), not {job.model.base}"
        )
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
    if s.grad_accumulation_steps > s.batch_size:
        raise JobError(
            f"invalid job: schedule.grad_accumulation_steps: {s.grad_accumulation_steps} exceeds "
            f"schedule.batch_size ({s.batch_size})"
        )
    for name, path in (("data.train", job.data.train), ("data.validation", job.data.validation)):
        if path is not None and not path.is_file():
            raise JobError(f"invalid job: {name}: no such file: {path}")
    names = [config_name(config) for config in job.techniques]
    for index, config in enumerate(job.techniques):
        if names.index(names[index]) != index:
            raise JobError(f"invalid job: techniques.{index}: {names[index]} is listed twice")
        if not isinstance(job.task, ClassificationTask) and classification_only(names[index], config):
            raise JobError(
                f"invalid job: techniques.{index}: {names[index]} works with sequence-classification only, "
                f"not {job.task.type}"
            )
        REGISTRY[names[index]].check(config, job, f"techniques.{index}")
    if job.resume_from is not None:
        check_resume(job.resume_from, s.steps)
    if job.precision == "fp16" and job.device == "cpu":
        raise JobError('invalid job: precision: "fp16" needs CUDA (on CPU use "bf16")')
    check_stages(job)


def check_heads(heads: tuple[Head, ...]) -> None:
    names = [head.name for head in heads]
    for index, head in enumerate(heads):
        if names.index(head.name) != index:
            raise JobError(f"invalid job: task.heads.{index}.name: {head.name!r} is used twice")
        if len(set(head.labels)) != len(head.labels):
            raise JobError(f"invalid job: task.heads.{index}.labels: labels must be unique")
    if not any(head.weight > 0 for head in heads):
        raise JobError("invalid job: task.heads: at least one head needs a weight above 0")


def config_name(config: Any) -> str:
    """The technique name of a technique config."""
    return next(name for name, technique in REGISTRY.items() if isinstance(config, technique.Config))


def classification_only(name: str, config: Any) -> bool:
    """Techniques written against the classifier (its parameter names, its labels): other tasks refuse them."""
    return name in ("lora", "freeze") or (name == "weighted-loss" and config.class_weights is not None)


SNAPSHOT_STATE = "state.json"  # in a snapshot folder: {"step": N}; written last, so its presence means complete


def check_resume(folder: Path, steps: int) -> None:
    state = folder / SNAPSHOT_STATE
    try:
        step = json.loads(state.read_text(encoding="utf-8"))["step"]
    except (OSError, ValueError, KeyError):
        raise JobError(f"invalid job: resume_from: {folder} is not a complete snapshot (no readable {state.name})") from None
    if not 0 < step < steps:
        raise JobError(f"invalid job: resume_from: the snapshot is at step {step}, the job has {steps} steps")


Section = TypeVar("Section")


def _section(cls: type[Section], values: dict[str, Any]) -> Section:
    """Build a section, turning JSON numbers into the field's type (JSON Schema accepts 2.0 as an integer)."""
    hints = get_type_hints(cls)
    return cls(**{key: _typed(hints[key], value) for key, value in values.items()})


def _typed(hint: Any, value: Any) -> Any:
    if hint in (int, float):
        return hint(value)
    if get_origin(hint) is tuple and isinstance(value, list):
        return tuple(value)
    if get_origin(hint) is dict or any(get_origin(a) is dict for a in get_args(hint)):
        if isinstance(value, dict):
            return {k: float(v) if isinstance(v, int) else v for k, v in value.items()}
    return value


def _resolve(base_dir: Path, path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else base_dir / candidate
