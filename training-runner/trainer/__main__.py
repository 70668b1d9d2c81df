"""python -m trainer --job job.json --out DIR

Events go to stdout as JSON lines; everything else (logs, warnings, even native libraries' prints) goes to
stderr. Exit 0 on success; 2 for bad input (a job field, a dataset line), reported before any compute;
1 for any other failure. The last stderr line always says what went wrong, in one line."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn, TextIO


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"trainer: {message} (usage: python -m trainer --job job.json --out DIR)", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m trainer", description="Train a tiny model from a job file.")
    parser.add_argument("--job", required=True, type=Path, help="the job (JSON, see trainer/job.schema.json)")
    parser.add_argument("--out", required=True, type=Path, help="output folder (created)")
    args = parser.parse_args(argv)
    events_stream = _claim_stdout()
    if int(os.environ.get("RANK", "0")) != 0:  # under torchrun (distributed.py) only rank 0 writes events
        events_stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  (for the whole process)
    threads = _pin_threads()

    from .config import load_job
    from .errors import JobError, TrainerError
    from .events import Events
    from .run import load_data

    try:
        job = load_job(args.job)
        train_set, validation_set = load_data(job)
    except JobError as error:
        print(f"trainer: {error}", file=sys.stderr)
        return 2

    try:
        import torch

        torch.set_num_threads(threads)
        from .run import run_job

        args.out.mkdir(parents=True, exist_ok=True)
        run_job(job, train_set, validation_set, args.out, Events(events_stream))
    except TrainerError as error:
        print(f"trainer: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug: the traceback for us, one line for the runner
        traceback.print_exc()
        print(f"trainer: failed: {type(error).__name__}: {error}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


def _claim_stdout() -> TextIO:
    """Keep the real stdout for events; point file descriptor 1 (and sys.stdout) at stderr."""
    sys.stdout.flush()
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return events


def _pin_threads() -> int:
    """One compute thread per core (or OMP_NUM_THREADS), and no nested BLAS threads: oversubscribing a
    small machine slows training several times over. Must run before torch is imported."""
    threads = int(os.environ.get("OMP_NUM_THREADS") or len(os.sched_getaffinity(0)))
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ.setdefault("MKL_NUM_THREADS", str(threads))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("RAYON_NUM_THREADS", str(threads))  # the tokenizer trainer
    return threads


if __name__ == "__main__":
    sys.exit(main())
