"""Runs the trainer (python -m trainer's own main) on a job in this process, then reports its peak
memory: ru_maxrss (KiB on Linux) and, on CUDA, torch.cuda.max_memory_allocated. bench/runner.ts uses it
to compare LoRA with full fine-tuning. The trainer's events go to stdout as usual; the report is
written to --report as JSON.

  python -m trainer.bench.peak_memory --job job.json --out DIR --report memory.json
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.bench.peak_memory")
    parser.add_argument("--job", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--report", required=True, type=Path)
    args = parser.parse_args(argv)

    from trainer.__main__ import main as trainer_main

    # after imports, before training: what torch and transformers alone hold
    import torch
    import transformers  # noqa: F401

    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code = trainer_main(["--job", args.job, "--out", args.out])
    report = {
        "exit_code": code,
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "ru_maxrss_after_imports_kib": baseline_kib,
        "cuda_max_memory_allocated": torch.cuda.max_memory_allocated() if torch.cuda.is_available() else None,
    }
    args.report.write_text(json.dumps(report) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
