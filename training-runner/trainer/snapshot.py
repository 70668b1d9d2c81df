"""Resumable snapshots: everything a run needs to continue exactly where it was, at step N.

  out/checkpoints/step-00000N/
    model.safetensors       the training model's state (adapters and frozen weights included)
    trainer.pt              optimizer, LR scheduler, fp16 gradient scaler, data order, techniques, loss window,
                            RNG states
    tokenizer.json, tokenizer_config.json
    state.json              {"step": N}: written last, so a folder with it is complete

On CPU a resumed run continues the same loss curve as an uninterrupted one, bit for bit.

The gradient scaler (precision.py) matters under fp16 only: its scale and growth tracker decide which steps
overflow and are skipped, so a run resumed at the initial scale would skip steps the uninterrupted run did not.
A disabled scaler (fp32, bf16) has no state: trainer.pt then holds {}, as do snapshots written before the scaler
was saved (no "scaler" key); either loads, and an fp16 run resumed from one starts at the initial scale.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model, save_model
from transformers import PreTrainedTokenizerFast

from .batches import Batches
from .config import SNAPSHOT_STATE
from .techniques import Hooks


@dataclass
class Resumable:
    """The parts of a run a snapshot holds."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    batches: Batches
    hooks: Hooks
    scaler: torch.amp.GradScaler  # enabled only under fp16 (precision.py)


def save_snapshot(
    folder: Path, step: int, run: Resumable, tokenizer: PreTrainedTokenizerFast, window: list[float]
) -> Path:
    path = folder / f"step-{step:06d}"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    save_model(run.model, str(path / "model.safetensors"))  # tied weights (LM heads) are stored once
    trainer_state = {
        "optimizer": run.optimizer.state_dict(),
        "scheduler": run.scheduler.state_dict(),
        "scaler": run.scaler.state_dict(),  # {} when disabled
        "batches": run.batches.state_dict(),
        "techniques": run.hooks.state_dict(),
        "window": window,
        "rng": {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "python": random.getstate(),
        },
    }
    torch.save(trainer_state, path / "trainer.pt")
    tokenizer.save_pretrained(path)
    (path / SNAPSHOT_STATE).write_text(json.dumps({"step": step}) + "\n", encoding="utf-8")
    return path


def load_snapshot(path: Path, run: Resumable) -> tuple[int, list[float]]:
    """Restore a snapshot into freshly built parts; returns its step and the loss window."""
    step = int(json.loads((path / SNAPSHOT_STATE).read_text(encoding="utf-8"))["step"])
    device = next(run.model.parameters()).device
    load_model(run.model, str(path / "model.safetensors"), device=str(device))
    state: dict[str, Any] = torch.load(path / "trainer.pt", weights_only=True)
    run.optimizer.load_state_dict(state["optimizer"])
    run.scheduler.load_state_dict(state["scheduler"])
    scaler_state = state.get("scaler", {})  # absent in snapshots written before it was saved
    if run.scaler.is_enabled() and scaler_state:  # GradScaler refuses an empty state (a disabled scaler's)
        run.scaler.load_state_dict(scaler_state)
    run.batches.load_state_dict(state["batches"])
    run.hooks.load_state_dict(state["techniques"])
    torch.set_rng_state(state["rng"]["torch"])
    if state["rng"]["cuda"]:
        torch.cuda.set_rng_state_all(state["rng"]["cuda"])
    random.setstate(state["rng"]["python"])
    return step, list(state["window"])


def load_tokenizer(path: Path) -> PreTrainedTokenizerFast:
    return PreTrainedTokenizerFast.from_pretrained(path)
