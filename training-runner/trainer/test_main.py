from __future__ import annotations

import json
import time
from pathlib import Path

from .conftest import job_dict, keyword_dataset, run_cli


def test_a_bad_job_field_fails_before_training(tmp_path: Path) -> None:
    job = job_dict(keyword_dataset(tmp_path / "train.jsonl", 20), learning_rate=-0.5)
    started = time.perf_counter()
    done = run_cli(job, tmp_path / "out", tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "trainer: invalid job: schedule.learning_rate: -0.5 is less than or equal to the minimum of 0\n"
    )
    assert done.stdout == "" and not (tmp_path / "out").exists()
    assert time.perf_counter() - started < 20  # no torch import, no training


def test_a_bad_dataset_line_fails_naming_the_line(tmp_path: Path) -> None:
    train = keyword_dataset(tmp_path / "train.jsonl", 20)
    lines = train.read_text().splitlines()
    lines[6] = json.dumps({"text": "hello", "label": "eggs"})
    train.write_text("\n".join(lines) + "\n")
    done = run_cli(job_dict(train), tmp_path / "out", tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "trainer: train.jsonl line 7: \"label\" \"eggs\" is not one of the task labels ['ham', 'spam']"
    ]
    assert not (tmp_path / "out").exists()


def test_a_missing_dataset_is_named(tmp_path: Path) -> None:
    done = run_cli(job_dict(tmp_path / "absent.jsonl"), tmp_path / "out", tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"trainer: invalid job: data.train: no such file: {tmp_path / 'absent.jsonl'}\n"


def test_bad_arguments_get_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from .conftest import RUNNER_DIR

    done = subprocess.run(
        [sys.executable, "-m", "trainer", "--job", "x.json"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(RUNNER_DIR)},
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "trainer: the following arguments are required: --out "
        "(usage: python -m trainer --job job.json --out DIR)"
    ]


def test_only_events_reach_stdout_even_from_native_code() -> None:
    import subprocess
    import sys

    from .conftest import RUNNER_DIR

    script = (
        "import os\n"
        "from trainer.__main__ import _claim_stdout\n"
        "events = _claim_stdout()\n"
        "os.write(1, b'native print\\n')\n"
        "print('python print')\n"
        "events.write('{\"type\": \"done\"}\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={"PYTHONPATH": str(RUNNER_DIR)}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == '{"type": "done"}\n'
    assert done.stderr.splitlines() == ["native print", "python print"]
