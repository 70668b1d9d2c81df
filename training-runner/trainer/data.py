"""The dataset: JSONL, one object a line holding the task's columns (COLUMNS: {text, label} for
classification, {prompt, completion} or {text} for causal LM, {text} for masked LM, {anchor, positive} for
embeddings), with an optional "weight" (a number >= 0, default 1; the weighted-loss technique uses it) and
"difficulty" (a number; the curriculum technique's). Read and checked before any compute; an error names
the file and the line."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from .config import CausalLmTask, ClassificationTask, EmbeddingTask, MultiTask, TaskConfig
from .errors import JobError


@dataclass(frozen=True)
class Example:
    text: str  # the text to classify or model, the prompt (causal-lm), or the anchor (embedding)
    label: int = 0  # index into the task's labels (classification)
    weight: float = 1.0
    difficulty: float | None = None  # optional, for the curriculum technique
    completion: str | None = None  # causal-lm prompt-completion: what the model learns to write after text
    positive: str | None = None  # embedding: the text whose embedding should lie nearest the anchor's
    head: int = 0  # multi-task: index of the line's head (label indexes that head's labels)


def columns(task: TaskConfig) -> tuple[str, ...]:
    """The columns a dataset line must have for this task."""
    if isinstance(task, ClassificationTask):
        return ("text", "label")
    if isinstance(task, MultiTask):
        return ("text", "label", "task")
    if isinstance(task, CausalLmTask) and task.input == "prompt-completion":
        return ("prompt", "completion")
    if isinstance(task, EmbeddingTask):
        return ("anchor", "positive")
    return ("text",)


def read_examples(path: Path, task: TaskConfig) -> list[Example]:
    heads = {h.name: h.labels for h in task.heads} if isinstance(task, MultiTask) else {}
    labels = task.labels if isinstance(task, ClassificationTask) else ()
    wanted = columns(task)
    examples: list[Example] = []
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path.name} line {number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise JobError(f"{where}: not valid UTF-8") from None
            example = _parse_line(line, where, wanted, labels, heads)
            if example is not None:
                examples.append(example)
    if not examples:
        raise JobError(f"{path.name}: no examples")
    return examples


def _parse_line(
    line: str, where: str, wanted: tuple[str, ...], labels: tuple[str, ...], heads: dict[str, tuple[str, ...]]
) -> Example | None:
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise JobError(f"{where}: not valid JSON ({error.msg})") from None
    if not isinstance(record, dict):
        raise JobError(f"{where}: expected an object with {' and '.join(wanted)}")
    head = 0
    if heads:  # the line's head decides which labels its label may be
        name = record.get("task")
        if not isinstance(name, str) or name not in heads:
            raise JobError(f'{where}: "task" {json.dumps(name)} is not one of the task heads {list(heads)}')
        head, labels = list(heads).index(name), heads[name]
    label_ids = {label: i for i, label in enumerate(labels)}
    for column in wanted:
        if column == "task":
            continue
        value = record.get(column)
        if column == "label":
            if not isinstance(value, str) or value not in label_ids:
                raise JobError(
                    f'{where}: "label" {json.dumps(value)} is not one of the task labels {list(labels)}'
                )
        elif not isinstance(value, str) or not value.strip():
            raise JobError(f'{where}: "{column}" must be a non-empty string')
    weight = record.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not (math.isfinite(weight) and weight >= 0):
        raise JobError(f'{where}: "weight" {json.dumps(weight)} must be a number >= 0')
    difficulty = record.get("difficulty")
    if difficulty is not None and (
        isinstance(difficulty, bool) or not isinstance(difficulty, int | float) or not math.isfinite(difficulty)
    ):
        raise JobError(f'{where}: "difficulty" {json.dumps(difficulty)} must be a number')
    return Example(
        text=record[wanted[0]],
        label=label_ids.get(record.get("label"), 0) if "label" in wanted else 0,
        weight=float(weight),
        difficulty=difficulty,
        completion=record["completion"] if "completion" in wanted else None,
        positive=record["positive"] if "positive" in wanted else None,
        head=head,
    )


def split_validation(
    examples: list[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """A seeded shuffle, then the first `fraction` is held out (at least one example each side)."""
    if len(examples) < 2:
        raise JobError("data.train: need at least two examples to hold out a validation split")
    shuffled = examples[:]
    random.Random(seed).shuffle(shuffled)
    held_out = min(max(1, round(len(shuffled) * fraction)), len(shuffled) - 1)
    return shuffled[held_out:], shuffled[:held_out]


def majority_baseline(examples: list[Example]) -> float:
    """Accuracy of always answering the most common label."""
    counts: dict[int, int] = {}
    for example in examples:
        counts[example.label] = counts.get(example.label, 0) + 1
    return max(counts.values()) / len(examples)
