"""The GPU readiness script's arithmetic and its CPU path (CUDA hidden): it measures nothing there."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

from trainer.bench.gpu_readiness import CONFIGS, mfu, peak_tflops


def test_peak_table_matches_device_names_most_specific_first():
    assert peak_tflops("NVIDIA H200") == 989.4
    assert peak_tflops("NVIDIA H100 PCIe") == 756.0
    assert peak_tflops("NVIDIA H100 80GB HBM3") == 989.4
    assert peak_tflops("NVIDIA A100-SXM4-80GB") == 312.0
    assert peak_tflops("NVIDIA A10G") == 70.0
    assert peak_tflops("Tesla T4") is None


def test_mfu_is_six_n_flops_per_token_over_the_peak():
    # 124M parameters at 100k tokens/s on a 989.4 TFLOP/s device: 6 * 1.24e8 * 1e5 / 9.894e14
    assert math.isclose(mfu(124_000_000, 100_000.0, 989.4), 7.44e13 / 9.894e14)
    assert mfu(124_000_000, 100_000.0, None) is None


def test_configs_are_about_100m_parameters():
    sizes = CONFIGS["gpt2-small"]
    d, layers, vocab, positions = (int(sizes[k]) for k in ("n_embd", "n_layer", "vocab_size", "n_positions"))
    # GPT-2: per layer 12 d^2 + 13 d (attention, MLP, two LayerNorms), embeddings, final LayerNorm
    parameters = layers * (12 * d * d + 13 * d) + (vocab + positions) * d + 2 * d
    assert 110e6 < parameters < 130e6


def test_without_cuda_it_says_so_exits_0_and_writes_nothing(tmp_path: Path):
    report = tmp_path / "report.json"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "trainer.bench.gpu_readiness", "--report", str(report)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("CUDA is not available")
    assert not report.exists()
