from __future__ import annotations

import json
from pathlib import Path

import pytest

from .data import Example, majority_baseline, read_examples, split_validation
from .config import CausalLmTask, ClassificationTask, EmbeddingTask, Head, MaskedLmTask, MultiTask
from .errors import JobError

LABELS = ("ham", "spam")
TASK = ClassificationTask(labels=LABELS)
MULTI = MultiTask(heads=(Head("a", ("x", "y")), Head("b", ("u", "v"))))


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_text_and_label_ids_skipping_blank_lines(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "d.jsonl",
        [
            json.dumps({"text": "hi there", "label": "ham"}),
            "",
            json.dumps({"text": "win cash", "label": "spam"}),
        ],
    )
    assert read_examples(path, TASK) == [Example("hi there", 0), Example("win cash", 1)]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"text": "oops", "label": ', "d.jsonl line 3: not valid JSON (Expecting value)"),
        ('["text", "ham"]', "d.jsonl line 3: expected an object with text and label"),
        ('{"label": "ham"}', 'd.jsonl line 3: "text" must be a non-empty string'),
        (
            '{"text": "x", "label": "maybe"}',
            "d.jsonl line 3: \"label\" \"maybe\" is not one of the task labels ['ham', 'spam']",
        ),
        ('{"text": "x"}', "d.jsonl line 3: \"label\" null is not one of the task labels ['ham', 'spam']"),
        (
            '{"text": "x", "label": ["ham"]}',
            "d.jsonl line 3: \"label\" [\"ham\"] is not one of the task labels ['ham', 'spam']",
        ),
    ],
)
def test_a_bad_line_is_named_by_number(tmp_path: Path, bad_line: str, message: str) -> None:
    good = json.dumps({"text": "fine", "label": "ham"})
    path = write_lines(tmp_path / "d.jsonl", [good, good, bad_line, good])
    with pytest.raises(JobError) as caught:
        read_examples(path, TASK)
    assert str(caught.value) == message


def test_bytes_that_are_not_utf8_are_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"text": "fine", "label": "ham"}\n{"text": "caf\xe9", "label": "ham"}\n')
    with pytest.raises(JobError, match="d.jsonl line 2: not valid UTF-8"):
        read_examples(path, TASK)


def test_an_empty_dataset_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(JobError, match="e.jsonl: no examples"):
        read_examples(write_lines(tmp_path / "e.jsonl", [""]), TASK)


def test_the_validation_split_is_seeded_disjoint_and_complete() -> None:
    examples = [Example(f"text {i}", i % 2) for i in range(100)]
    train, validation = split_validation(examples, 0.2, seed=7)
    assert (len(train), len(validation)) == (80, 20)
    assert sorted(train + validation, key=lambda e: e.text) == sorted(examples, key=lambda e: e.text)
    assert split_validation(examples, 0.2, seed=7) == (train, validation)
    assert split_validation(examples, 0.2, seed=8) != (train, validation)


def test_a_tiny_dataset_still_holds_one_example_out() -> None:
    train, validation = split_validation([Example("a", 0), Example("b", 1)], 0.01, seed=0)
    assert (len(train), len(validation)) == (1, 1)


def test_majority_baseline() -> None:
    assert majority_baseline([Example("a", 0), Example("b", 1), Example("c", 1), Example("d", 1)]) == 0.75


def test_each_task_reads_its_own_columns(tmp_path: Path) -> None:
    pairs = write_lines(tmp_path / "p.jsonl", ['{"prompt": "Body: hi", "completion": " Re: hi", "weight": 2}'])
    assert read_examples(pairs, CausalLmTask()) == [Example("Body: hi", weight=2.0, completion=" Re: hi")]
    texts = write_lines(tmp_path / "t.jsonl", ['{"text": "once upon a time"}'])
    assert read_examples(texts, CausalLmTask(input="text")) == [Example("once upon a time")]
    assert read_examples(texts, MaskedLmTask()) == [Example("once upon a time")]
    anchors = write_lines(tmp_path / "a.jsonl", ['{"anchor": "a cat", "positive": "a kitten"}'])
    assert read_examples(anchors, EmbeddingTask()) == [Example("a cat", positive="a kitten")]
    heads = write_lines(tmp_path / "m.jsonl", ['{"task": "b", "text": "hi", "label": "v"}'])
    assert read_examples(heads, MULTI) == [Example("hi", label=1, head=1)]


@pytest.mark.parametrize(
    ("task", "line", "message"),
    [
        (CausalLmTask(), '{"prompt": "hi"}', 'f.jsonl line 1: "completion" must be a non-empty string'),
        (CausalLmTask(), '{"text": "hi"}', 'f.jsonl line 1: "prompt" must be a non-empty string'),
        (CausalLmTask(input="text"), '{"prompt": "a"}', 'f.jsonl line 1: "text" must be a non-empty string'),
        (EmbeddingTask(), '{"anchor": "a", "positive": 3}', 'f.jsonl line 1: "positive" must be a non-empty string'),
        (EmbeddingTask(), '[1]', "f.jsonl line 1: expected an object with anchor and positive"),
        (MULTI, '{"task": "c", "text": "a"}', "f.jsonl line 1: \"task\" \"c\" is not one of the task heads ['a', 'b']"),
        (
            MULTI,
            '{"task": "b", "text": "a", "label": "x"}',
            "f.jsonl line 1: \"label\" \"x\" is not one of the task labels ['u', 'v']",
        ),
    ],
)
def test_a_missing_column_is_named(tmp_path: Path, task: object, line: str, message: str) -> None:
    with pytest.raises(JobError) as caught:
        read_examples(write_lines(tmp_path / "f.jsonl", [line]), task)  # type: ignore[arg-type]
    assert str(caught.value) == message
