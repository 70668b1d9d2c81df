"""Shared test data: a small, learnable keyword task, and one real CLI run that several tests inspect."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# One compute thread: the cores are shared with other test suites, and two OpenMP threads competing for a
# busy core spin-wait (measured: a 6-step run took 6 s with two threads under load, 0.6 s with one).
THREADS = "1"
os.environ.setdefault("OMP_NUM_THREADS", THREADS)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("RAYON_NUM_THREADS", THREADS)

import torch  # noqa: E402  (after the thread pins)

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

RUNNER_DIR = Path(__file__).resolve().parent.parent
FILLER = (
    "the a meeting report team project update schedule notes review code server build lunch friday "
    "monday budget draft agenda call question answer office plan week data test release"
).split()
KEYWORDS = ["prize", "winner", "free", "cash"]


def keyword_dataset(path: Path, count: int, seed: int = 0) -> Path:
    """JSONL where the label is "spam" exactly when the text holds a keyword: learnable in a few dozen
    steps."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            words = rng.choices(FILLER, k=rng.randint(6, 14))
            spam = i % 2 == 0
            if spam:
                words.insert(rng.randrange(len(words) + 1), rng.choice(KEYWORDS))
            out.write(json.dumps({"text": " ".join(words), "label": "spam" if spam else "ham"}) + "\n")
    return path


def job_dict(train: Path, **schedule: Any) -> dict[str, Any]:
    return {
        "model": {"base": "tiny-bert"},
        "task": {"type": "sequence-classification", "labels": ["ham", "spam"]},
        "data": {"train": str(train), "validation_fraction": 0.2},
        "tokenizer": {"vocab_size": 200, "min_frequency": 1},
        "schedule": {
            "steps": 80,
            "batch_size": 16,
            "learning_rate": 0.003,
            "warmup_steps": 8,
            "max_seq_length": 32,
            "eval_interval": 20,
            "log_interval": 5,
            **schedule,
        },
        "device": "cpu",
    }


def run_cli(job: dict[str, Any], out: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    job_path = tmp / "job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(RUNNER_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "trainer", "--job", str(job_path), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@dataclass
class CliRun:
    out: Path
    events: list[dict[str, Any]]
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """One real `python -m trainer` run on the keyword task (80 steps)."""
    tmp = tmp_path_factory.mktemp("cli-run")
    train = keyword_dataset(tmp / "train.jsonl", 400)
    out = tmp / "out"
    done = run_cli(job_dict(train), out, tmp)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return CliRun(out=out, events=events, stdout=done.stdout, stderr=done.stderr)


def noise_dataset(path: Path, count: int, spam_fraction: float, seed: int = 0) -> Path:
    """JSONL of filler texts whose labels are drawn at random (spam with probability spam_fraction): nothing
    to learn but the label frequencies."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count):
            words = rng.choices(FILLER, k=rng.randint(6, 14))
            label = "spam" if rng.random() < spam_fraction else "ham"
            out.write(json.dumps({"text": " ".join(words), "label": label}) + "\n")
    return path


@dataclass
class Trained:
    """An in-process training run: its events (tokens_per_s removed: wall-clock), the result, the tokenizer."""

    events: list[dict[str, Any]]
    model: torch.nn.Module
    metrics: dict[str, float]
    tokenizer: Any
    job: Any
    task: Any = None

    def of(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]


def train_job(raw: dict[str, Any], snapshots: Path | None = None, tokenizer: Any = None) -> Trained:
    """Parse a job dict and train it in this process (no checkpoint or export)."""
    import io

    from .config import parse_job
    from .events import Events
    from .models import default_tokenizer
    from .run import load_data
    from .tasks import TASKS
    from .tokenizer import train_tokenizer
    from .train import train

    job = parse_job(raw, Path("/"))
    train_set, validation_set = load_data(job)
    if tokenizer is None:
        texts = TASKS[job.task.type].texts(train_set)
        kind = default_tokenizer(job.model.base)
        tokenizer = train_tokenizer(texts, job.tokenizer, job.schedule.max_seq_length, kind)
    stream = io.StringIO()
    result = train(job, tokenizer, train_set, validation_set, Events(stream), snapshots=snapshots)
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    for event in events:
        event.pop("tokens_per_s", None)
    return Trained(
        events=events, model=result.model, metrics=result.metrics, tokenizer=tokenizer, job=job, task=result.task
    )


def probabilities(model: torch.nn.Module, tokenizer: Any, texts: list[str]) -> torch.Tensor:
    """Softmax over the labels for each text (eval mode, no gradient)."""
    model.eval()
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=32, return_tensors="pt")
    with torch.no_grad():
        logits = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).logits
    return logits.softmax(dim=-1)
