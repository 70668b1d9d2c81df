"""The training loop, top to bottom, the same for every task (tasks/: classification, causal LM, masked LM,
embeddings, multi-task; the task encodes the data, builds the model, computes each example's loss and
evaluates). Each step: draw a batch, forward and backward it in micro-batches (gradient accumulation), clip
the gradient norm, take an optimizer step (schedule.optimizer) at the learning rate of schedule.lr_schedule,
then log, evaluate and snapshot at their intervals. Techniques (job.techniques) plug in through hooks: the
model, the data order, the loss weights, after each step and evaluation (early stopping), and the final model
(merged adapters). CUDA with bf16 autocast when available, else CPU in fp32 (job.precision chooses otherwise:
precision.py); on CPU a run is a pure function of the job (same seed, same numbers), resumed or not. Under
torchrun each process trains its slice of every batch (distributed.py); stages.py calls train once per stage."""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.nn.utils import clip_grad_norm_
from transformers import PreTrainedTokenizerFast

from .batches import micro_batches
from .config import Device, JobConfig, config_name
from .data import Example
from .distributed import Distributed
from .errors import TrainerError
from .events import Events
from .precision import mixed_precision
from .snapshot import Resumable, load_snapshot, save_snapshot
from .tasks import Task, task_for
from .tasks.base import Autocast
from .techniques import REGISTRY, Hooks
from .techniques.lr_schedules import lr_factor
from .techniques.optimizers import make_optimizer


@dataclass
class TrainResult:
    model: torch.nn.Module
    metrics: dict[str, float]
    task: Task


def train(
    job: JobConfig,
    tokenizer: PreTrainedTokenizerFast,
    train_set: list[Example],
    validation_set: list[Example],
    events: Events,
    snapshots: Path | None = None,
    initial_model: torch.nn.Module | None = None,
) -> TrainResult:
    """Train; with schedule.checkpoint_interval, write resumable snapshots under `snapshots`. With
    `initial_model` (multi-stage training, stages.py), continue from that model instead of a fresh one."""
    s = job.schedule
    torch.manual_seed(s.seed)
    device, _ = pick_device(job.device)
    # scale-out and precision (distributed.py, precision.py): one process of a torchrun group or the only one;
    # fp32, or bf16/fp16 autocast (fp16 with a gradient scaler)
    dist = Distributed.from_env(device)
    device = dist.device
    amp = mixed_precision(device, job.precision)
    autocast = amp.autocast
    if dist.rank != 0:
        snapshots = None  # only rank 0 writes
    task = task_for(job, tokenizer)
    train_data = task.encode(train_set, s.max_seq_length)
    validation_data = task.encode(validation_set, s.max_seq_length)
    hooks = Hooks([REGISTRY[config_name(c)](c, job) for c in job.techniques])
    hooks.setup(train_data)

    if initial_model is None:
        model = task.model()
    else:  # a later stage: the previous stage's weights, every one trainable again unless this stage freezes it
        model = initial_model.requires_grad_(True)
    model = hooks.model(model).to(device)
    forward_model = dist.wrap(model)
    if not any(p.requires_grad for p in model.parameters()):
        raise TrainerError("no parameter is left to train")
    optimizer = make_optimizer(model, s)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(s.lr_schedule, s.warmup_steps, s.steps))
    task_order = task.batches(train_data, s.batch_size, s.seed)
    batches = hooks.batches(train_data, s.batch_size, s.seed, default=task_order)
    run = Resumable(model, optimizer, scheduler, batches, hooks, amp.scaler)
    done_steps, window_losses = 0, []
    if job.resume_from is not None:
        done_steps, window_losses = load_snapshot(job.resume_from, run)

    events.emit(
        "start",
        device=device.type,
        precision=amp.name,
        parameters=sum(p.numel() for p in model.parameters()),
        trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
        vocab_size=len(tokenizer),
        train_examples=len(train_set),
        validation_examples=len(validation_set),
        steps=s.steps,
        start_step=done_steps,
        **({"processes": dist.world} if dist.world > 1 else {}),  # under torchrun
    )
    started = window_start = time.perf_counter()
    window_tokens = 0
    train_loss = float("nan")
    scores: dict[str, float] = {"loss": float("nan"), "accuracy": float("nan")}
    step = done_steps
    for step in range(done_steps + 1, s.steps + 1):
        model.train()
        batch = hooks.training_batch(train_data.take(batches.next()), step)  # augmentation: training batches only
        weights = hooks.example_weights(batch).to(device)
        total_weight = weights.sum().clamp_min(1e-12)  # the loss is the weighted mean over the whole batch
        loss_value, step_tokens = 0.0, 0
        shard, share = dist.shard(len(batch))  # this process's rows of the global batch
        pieces = micro_batches(len(shard), s.grad_accumulation_steps)
        for index, piece in enumerate(pieces):
            rows = [shard[i] for i in piece]
            inputs = task.inputs(batch.take(rows), device)
            with dist.no_sync(forward_model, last=index == len(pieces) - 1):  # all-reduce on the last piece
                per_example = task.losses(forward_model, inputs, autocast)
                loss = (per_example * weights[rows]).sum() / total_weight * share
                amp.scaler.scale(loss * dist.world).backward()  # DDP averages gradients over the processes
            loss_value += loss.item()
            tokens = sum(int(t.sum()) for name, t in inputs.items() if name.endswith("attention_mask"))
            step_tokens += tokens if share else 0
        loss_value, step_tokens = dist.sum_over_processes(loss_value, step_tokens)
        window_tokens += step_tokens
        amp.scaler.unscale_(optimizer)
        grad_norm = float(clip_grad_norm_(model.parameters(), s.grad_clip))
        lr = scheduler.get_last_lr()[0]
        amp.scaler.step(optimizer)  # skipped (and the scale lowered) when fp16 gradients overflowed
        amp.scaler.update()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        hooks.after_step(step, model)

        if amp.scaler.is_enabled() and not math.isfinite(grad_norm):
            grad_norm = 0.0  # fp16 overflow: the scaler skipped this step (no update) and lowered its scale
        if not (math.isfinite(loss_value) and math.isfinite(grad_norm)):
            raise TrainerError(f"training diverged at step {step}: loss {loss_value}, grad norm {grad_norm}")
        window_losses.append(loss_value)

        last = step == s.steps
        evaluating = step % s.eval_interval == 0 or last
        if step % s.log_interval == 0 or evaluating:
            now = time.perf_counter()
            train_loss = sum(window_losses) / len(window_losses)
            events.emit(
                "step",
                step=step,
                loss=train_loss,
                lr=lr,
                grad_norm=grad_norm,
                tokens_per_s=window_tokens / max(now - window_start, 1e-9),
            )
            window_start, window_losses, window_tokens = now, [], 0
        if evaluating:
            scores = task.evaluate(model, validation_data, s.batch_size, device, autocast)
            events.emit("eval", step=step, loss=scores["loss"], accuracy=scores["accuracy"])
            if hooks.after_eval(step, {"eval_loss": scores["loss"], "eval_accuracy": scores["accuracy"]}) and not last:
                events.emit("early_stop", step=step)
                break
        if snapshots is not None and s.checkpoint_interval and step % s.checkpoint_interval == 0 and not last:
            path = save_snapshot(snapshots, step, run, tokenizer, window_losses)
            events.emit("snapshot", step=step, path=str(path))

    model = hooks.final_model(model)
    metrics = {
        "train_loss": train_loss,
        **{f"eval_{name}": value for name, value in scores.items()},
        "majority_baseline": task.baseline(validation_data),  # the bar eval_accuracy has to clear
        "steps": float(step),
        "train_seconds": time.perf_counter() - started,
    }
    return TrainResult(model=model, metrics=metrics, task=task)


def pick_device(requested: Device) -> tuple[torch.device, Autocast]:
    """The device, and the autocast context to run forward passes in (bf16 on CUDA, none on CPU)."""
    if requested == "cuda" and not torch.cuda.is_available():
        raise TrainerError('device "cuda" was requested but CUDA is not available')
    if requested != "cpu" and torch.cuda.is_available():
        return torch.device("cuda"), lambda: torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.device("cpu"), contextlib.nullcontext
