"""The registry, the job schema and the technique configs agree; bad technique input is named before any
compute."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import pytest

from ..config import SCHEMA_PATH, parse_job
from ..conftest import RUNNER_DIR, job_dict, keyword_dataset
from ..errors import JobError
from . import REGISTRY
from .lr_schedules import LR_SCHEDULES
from .optimizers import OPTIMIZERS

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
BRANCHES = {b["properties"]["name"]["const"]: b for b in SCHEMA["properties"]["techniques"]["items"]["oneOf"]}


def test_the_schema_lists_exactly_the_registered_techniques() -> None:
    assert list(BRANCHES) == list(REGISTRY)
    schedule = SCHEMA["properties"]["schedule"]["properties"]
    assert schedule["optimizer"]["enum"] == list(OPTIMIZERS) and schedule["lr_schedule"]["enum"] == list(LR_SCHEDULES)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_each_config_has_the_schemas_options_and_defaults(name: str) -> None:
    options = {k: v for k, v in BRANCHES[name]["properties"].items() if k != "name"}
    config = REGISTRY[name].Config
    assert {f.name for f in fields(config)} == set(options)
    for f in fields(config):
        default = f.default if f.default is not MISSING else None
        expected = options[f.name].get("default")
        assert (list(default) if isinstance(default, tuple) else default) == expected, f"{name}.{f.name}"


@pytest.fixture
def train_file(tmp_path: Path) -> Path:
    return keyword_dataset(tmp_path / "train.jsonl", 20)


KNOWN = "known: lora, freeze, early-stopping, weighted-loss, dropout, swa, curriculum, adapters, augmentation"


@pytest.mark.parametrize(
    ("techniques", "message"),
    [
        ([{"name": "dropconnect"}], f"techniques.0.name: 'dropconnect' is not a technique ({KNOWN})"),
        ([{"r": 4}], f"techniques.0: 'name' is a required property ({KNOWN})"),
        ([{"name": "lora", "r": 0}], "techniques.0.r: 0 is less than the minimum of 1"),
        ([{"name": "lora", "rank": 4}], "techniques.0: Additional properties are not allowed ('rank' was unexpected)"),
        (
            [{"name": "dropout"}, {"name": "lora", "target_modules": ["qkv"]}],
            "techniques.1.target_modules: 'qkv' names no linear layer of tiny-bert (the head always trains in full; "
            "try query, key, value, dense)",
        ),
        ([{"name": "freeze"}], "techniques.0: give layers or patterns (nothing would be frozen)"),
        ([{"name": "freeze", "layers": 3}], "techniques.0.layers: 3 exceeds tiny-bert's 2 layers"),
        ([{"name": "freeze", "patterns": ["gpt.*"]}], "techniques.0.patterns: 'gpt.*' matches no parameter of tiny-bert"),
        ([{"name": "freeze", "patterns": ["*"]}], "techniques.0: every parameter would be frozen"),
        ([{"name": "early-stopping", "metric": "f1"}], "techniques.0.metric: 'f1' is not one of ['eval_loss', 'eval_accuracy']"),
        (
            [{"name": "weighted-loss", "class_weights": {"eggs": 2}}],
            "techniques.0.class_weights: 'eggs' is not one of the task labels ['ham', 'spam']",
        ),
        ([{"name": "weighted-loss", "class_weights": {"spam": -1}}], "techniques.0.class_weights.spam: -1 is less than the minimum of 0"),
        ([{"name": "weighted-loss"}], "techniques.0: give class_weights or example_weights (nothing to weight)"),
        ([{"name": "dropout"}, {"name": "dropout"}], "techniques.1: dropout is listed twice"),
        (
            [{"name": "swa"}, {"name": "lora"}],
            "techniques.0: list swa after lora (it averages the adapters before they merge)",
        ),
        ({"name": "lora"}, "techniques: {'name': 'lora'} is not of type 'array'"),
    ],
)
def test_bad_technique_input_names_the_field(train_file: Path, techniques: Any, message: str) -> None:
    with pytest.raises(JobError) as caught:
        parse_job({**job_dict(train_file), "techniques": techniques}, Path("/"))
    assert str(caught.value) == f"invalid job: {message}"


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"optimizer": "lion"}, "schedule.optimizer: 'lion' is not one of ['adamw', 'adam', 'sgd', 'signsgd']"),
        ({"lr_schedule": "step"}, "schedule.lr_schedule: 'step' is not one of ['linear', 'cosine', 'constant']"),
        ({"batch_size": 4, "grad_accumulation_steps": 8}, "schedule.grad_accumulation_steps: 8 exceeds schedule.batch_size (4)"),
        ({"momentum": 1}, "schedule.momentum: 1 is greater than or equal to the maximum of 1"),
    ],
)
def test_bad_schedule_choices_name_the_field(train_file: Path, schedule: dict, message: str) -> None:
    with pytest.raises(JobError) as caught:
        parse_job(job_dict(train_file, **schedule), Path("/"))
    assert str(caught.value) == f"invalid job: {message}"


def test_techniques_are_parsed_typed_and_in_order(train_file: Path) -> None:
    raw = job_dict(train_file)
    raw["techniques"] = [{"name": "lora", "target_modules": ["query", "key"], "alpha": 8}, {"name": "freeze", "layers": 1}]
    lora, freeze = parse_job(raw, Path("/")).techniques
    assert (lora.target_modules, lora.alpha, lora.r) == (("query", "key"), 8.0, 8)
    assert isinstance(lora.alpha, float) and (freeze.layers, freeze.patterns) == (1, ())


def test_the_job_and_its_techniques_are_checked_without_importing_torch(train_file: Path, tmp_path: Path) -> None:
    raw = job_dict(train_file)
    raw["techniques"] = [{"name": "lora", "target_modules": ["nope"]}]
    script = (
        "import json, sys\nfrom pathlib import Path\nfrom trainer.config import parse_job\nfrom trainer.errors import JobError\n"
        f"try:\n    parse_job(json.loads({json.dumps(json.dumps(raw))}), Path('/'))\nexcept JobError as e:\n    print(e)\n"
        "print('torch' in sys.modules, 'peft' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={"PYTHONPATH": str(RUNNER_DIR)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("invalid job: techniques.0.target_modules: 'nope' names no linear layer")
    assert lines[1] == "False False"
