"""The dataset: JSONL, one {"text": str, "label": str} object a line, with an optional "weight" (a number
>= 0, default 1; the weighted-loss technique uses it) and "difficulty" (a number; the curriculum technique's). Read and checked before any compute;
an error names the file and the line."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from .errors import JobError


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # index into the task's labels
    weight: float = 1.0
    difficulty: float | None = None  # optional, for the curriculum technique


def read_examples(path: Path, labels: tuple[str, ...]) -> list[Example]:
    label_ids = {label: i for i, label in enumerate(labels)}
    examples: list[Example] = []
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path.name} line {number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise JobError(f"{where}: not valid UTF-8") from None
            example = _parse_line(line, where, labels, label_ids)
            if example is not None:
                examples.append(example)
    if not examples:
        raise JobError(f"{path.name}: no examples")
    return examples


def _parse_line(
    line: str, where: str, labels: tuple[str, ...], label_ids: dict[str, int]
) -> Example | None:
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise JobError(f"{where}: not valid JSON ({error.msg})") from None
    if not isinstance(record, dict):
        raise JobError(f"{where}: expected an object with text and label")
    text, label = record.get("text"), record.get("label")
    if not isinstance(text, str) or not text.strip():
        raise JobError(f'{where}: "text" must be a non-empty string')
    if not isinstance(label, str) or label not in label_ids:
        raise JobError(f'{where}: "label" {json.dumps(label)} is not one of the task labels {list(labels)}')
    weight = record.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not (math.isfinite(weight) and weight >= 0):
        raise JobError(f'{where}: "weight" {json.dumps(weight)} must be a number >= 0')
    difficulty = record.get("difficulty")
    if difficulty is not None and (
        isinstance(difficulty, bool) or not isinstance(difficulty, int | float) or not math.isfinite(difficulty)
    ):
        raise JobError(f'{where}: "difficulty" {json.dumps(difficulty)} must be a number')
    return Example(text=text, label=label_ids[label], weight=float(weight), difficulty=difficulty)


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
