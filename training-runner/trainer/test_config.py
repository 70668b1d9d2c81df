from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from .config import (
    SCHEMA_PATH,
    DataConfig,
    JobConfig,
    ModelConfig,
    ScheduleConfig,
    TASKS,
    CausalLmTask,
    ClassificationTask,
    EmbeddingTask,
    Head,
    MaskedLmTask,
    MultiTask,
    TokenizerConfig,
    load_job,
    parse_job,
)
from .conftest import job_dict, keyword_dataset
from .errors import JobError
from .models import GPT2_MODELS, MODELS


@pytest.fixture
def train_file(tmp_path: Path) -> Path:
    return keyword_dataset(tmp_path / "train.jsonl", 20)


def test_a_minimal_job_gets_every_default(train_file: Path) -> None:
    raw = {
        "model": {"base": "tiny-bert"},
        "task": {"labels": ["ham", "spam"]},
        "data": {"train": str(train_file)},
    }
    job = parse_job(raw, base_dir=Path("/"))
    assert job == JobConfig(
        model=ModelConfig(base="tiny-bert"),
        task=ClassificationTask(labels=("ham", "spam")),
        data=DataConfig(train=train_file),
        device="auto",
    )
    assert job.schedule == ScheduleConfig() and job.tokenizer == TokenizerConfig()
    assert job.task.labels == ("ham", "spam") and job.task.type == "sequence-classification"


def test_relative_dataset_paths_are_relative_to_the_job_file(tmp_path: Path) -> None:
    keyword_dataset(tmp_path / "train.jsonl", 10)
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps({**job_dict(Path("train.jsonl"))}), encoding="utf-8")
    assert load_job(job_file).data.train == tmp_path / "train.jsonl"


def test_whole_numbers_written_as_floats_become_ints(train_file: Path) -> None:
    raw = job_dict(train_file, steps=20.0)
    steps = parse_job(raw, base_dir=Path("/")).schedule.steps
    assert steps == 20 and isinstance(steps, int)


DELETE = object()


def set_path(raw: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    *parents, last = dotted.split(".")
    node = raw
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return raw


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("schedule.learning_rate", 0, "schedule.learning_rate: 0 is less than or equal to the minimum of 0"),
        ("schedule.steps", "ten", "schedule.steps: 'ten' is not of type 'integer'"),
        ("schedule.lr", 0.1, "schedule: Additional properties are not allowed ('lr' was unexpected)"),
        (
            "model.base",
            "gpt-9",
            "model.base: 'gpt-9' is not one of ['tiny-bert', 'mini-bert', 'tiny-gpt2', 'mini-gpt2']",
        ),
        (
            "model.base",
            "tiny-gpt2",
            "model.base: sequence-classification trains a bert model (tiny-bert, mini-bert), not tiny-gpt2",
        ),
        (
            "task.type",
            "seq2seq",
            "task.type: 'seq2seq' is not a task "
            "(known: sequence-classification, causal-lm, masked-lm, embedding, multi-task)",
        ),
        ("task.labels", DELETE, "task: 'labels' is a required property"),
        ("data", DELETE, "job: 'data' is a required property"),
        ("task.labels", ["ham"], "task.labels: ['ham'] is too short"),
        ("task.labels", ["ham", "ham"], "task.labels: labels must be unique"),
        ("schedule.warmup_steps", 500, "schedule.warmup_steps: 500 exceeds schedule.steps (80)"),
        ("schedule.max_seq_length", 256, "schedule.max_seq_length: 256 exceeds tiny-bert's 128 positions"),
        ("data.train", "/nonexistent/train.jsonl", "data.train: no such file: /nonexistent/train.jsonl"),
        ("device", "tpu", "device: 'tpu' is not one of ['auto', 'cpu', 'cuda']"),
    ],
)
def test_a_bad_field_is_named(train_file: Path, field: str, value: Any, message: str) -> None:
    raw = set_path(job_dict(train_file), field, value)
    with pytest.raises(JobError) as caught:
        parse_job(raw, base_dir=Path("/"))
    assert str(caught.value) == f"invalid job: {message}"


def test_a_job_file_that_is_not_json_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "job.json"
    bad.write_text('{"model": ', encoding="utf-8")
    with pytest.raises(JobError, match=r"is not JSON: .* at line 1"):
        load_job(bad)


def schema_defaults(section: str) -> dict[str, Any]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    properties = schema["properties"][section]["properties"]
    return {name: spec["default"] for name, spec in properties.items() if "default" in spec}


@pytest.mark.parametrize(
    ("section", "cls"), [("schedule", ScheduleConfig), ("tokenizer", TokenizerConfig), ("data", DataConfig)]
)
def test_dataclass_defaults_match_the_schema(section: str, cls: type) -> None:
    python_defaults = {f.name: f.default for f in fields(cls) if f.default is not f.default_factory}
    expected = schema_defaults(section)
    assert expected, section
    for name, default in expected.items():
        assert python_defaults.get(name) == default, f"{section}.{name}"
    assert {f.name for f in fields(cls)} == set(
        json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["properties"][section]["properties"]
    )


def test_the_schema_knows_exactly_the_python_models() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["properties"]["model"]["properties"]["base"]["enum"] == [*MODELS, *GPT2_MODELS]


@pytest.mark.parametrize("task_type", list(TASKS))
def test_each_task_config_matches_its_schema(task_type: str) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    branch = next(b for b in schema["properties"]["task"]["oneOf"] if b["properties"]["type"]["const"] == task_type)
    cls = TASKS[task_type]
    assert {f.name for f in fields(cls)} == set(branch["properties"])
    if cls is MultiTask:  # and each head's fields
        head = branch["properties"]["heads"]["items"]
        assert {f.name for f in fields(Head)} == set(head["properties"])
        assert Head.weight == head["properties"]["weight"]["default"]
    python_defaults = {f.name: f.default for f in fields(cls)}
    for name, spec in branch["properties"].items():
        if "default" in spec:
            assert python_defaults[name] == spec["default"], f"{task_type}.{name}"


XY = ["x", "y"]


def lm_job(train_file: Path, task: dict[str, Any], base: str = "tiny-gpt2") -> dict[str, Any]:
    return {**job_dict(train_file), "model": {"base": base}, "task": task}


def test_the_tasks_parse_with_their_defaults(train_file: Path) -> None:
    assert parse_job(lm_job(train_file, {"type": "causal-lm"}), Path("/")).task == CausalLmTask()
    text = parse_job(lm_job(train_file, {"type": "causal-lm", "input": "text"}), Path("/")).task
    assert text == CausalLmTask(input="text")
    masked = parse_job(lm_job(train_file, {"type": "masked-lm"}, base="tiny-bert"), Path("/")).task
    assert masked == MaskedLmTask(mask_probability=0.15)
    two = [{"name": "a", "labels": ["x", "y"]}, {"name": "b", "labels": ["u", "v"], "weight": 2}]
    heads = {"type": "multi-task", "heads": two}
    multi = parse_job(lm_job(train_file, heads, base="tiny-bert"), Path("/")).task
    assert multi == MultiTask(heads=(Head("a", ("x", "y"), 1.0), Head("b", ("u", "v"), 2.0)))
    embedding = {"type": "embedding", "temperature": 0.1}
    assert parse_job(lm_job(train_file, embedding, base="tiny-bert"), Path("/")).task == EmbeddingTask(temperature=0.1)


@pytest.mark.parametrize(
    ("task", "base", "techniques", "message"),
    [
        (
            {"type": "causal-lm", "input": "prose"},
            "tiny-gpt2",
            [],
            "task.input: 'prose' is not one of ['prompt-completion', 'text']",
        ),
        (
            {"type": "causal-lm", "labels": ["a", "b"]},
            "tiny-gpt2",
            [],
            "task: Additional properties are not allowed ('labels' was unexpected)",
        ),
        (
            {"type": "causal-lm"},
            "tiny-bert",
            [],
            "model.base: causal-lm trains a gpt2 model (tiny-gpt2, mini-gpt2), not tiny-bert",
        ),
        (
            {"type": "embedding", "temperature": 0},
            "tiny-bert",
            [],
            "task.temperature: 0 is less than or equal to the minimum of 0",
        ),
        (
            {"type": "masked-lm"},
            "tiny-bert",
            [{"name": "lora"}],
            "techniques.0: lora works with sequence-classification only, not masked-lm",
        ),
        (
            {"type": "multi-task", "heads": [{"name": "a", "labels": ["x", "y"]}, {"name": "a", "labels": ["x", "y"]}]},
            "tiny-bert",
            [],
            "task.heads.1.name: 'a' is used twice",
        ),
        (
            {
                "type": "multi-task",
                "heads": [{"name": "a", "labels": XY, "weight": 0}, {"name": "b", "labels": XY, "weight": 0}],
            },
            "tiny-bert",
            [],
            "task.heads: at least one head needs a weight above 0",
        ),
        (
            {"type": "multi-task", "heads": [{"name": "a b", "labels": XY}, {"name": "b", "labels": XY}]},
            "tiny-bert",
            [],
            "task.heads.0.name: 'a b' does not match '^[A-Za-z0-9_-]{1,40}$'",
        ),
    ],
)
def test_a_bad_task_is_named(
    train_file: Path, task: dict[str, Any], base: str, techniques: list[Any], message: str
) -> None:
    with pytest.raises(JobError) as caught:
        parse_job({**lm_job(train_file, task, base), "techniques": techniques}, Path("/"))
    assert str(caught.value) == f"invalid job: {message}"
