"""The training loop, top to bottom: AdamW, linear warm-up then linear decay, gradient clipping, periodic
evaluation on the validation split. CUDA with bf16 autocast when available, else CPU in fp32; on CPU a run
is a pure function of the job (same seed, same numbers)."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch.nn.utils import clip_grad_norm_
from transformers import BertForSequenceClassification, PreTrainedTokenizerFast

from .config import Device, JobConfig, ScheduleConfig
from .data import Example, majority_baseline
from .errors import TrainerError
from .events import Events
from .models import build_classifier


@dataclass
class Encoded:
    """Token ids (unpadded, truncated) and label ids of a split."""

    ids: list[list[int]]
    labels: list[int]


@dataclass
class TrainResult:
    model: BertForSequenceClassification
    metrics: dict[str, float]


def train(
    job: JobConfig,
    tokenizer: PreTrainedTokenizerFast,
    train_set: list[Example],
    validation_set: list[Example],
    events: Events,
) -> TrainResult:
    s = job.schedule
    torch.manual_seed(s.seed)
    device, autocast = pick_device(job.device)
    pad_id = tokenizer.pad_token_id
    assert pad_id is not None
    train_data = encode(tokenizer, train_set, s.max_seq_length)
    validation_data = encode(tokenizer, validation_set, s.max_seq_length)

    model = build_classifier(job.model.base, len(tokenizer), job.task.labels, pad_id).to(device)
    optimizer = make_optimizer(model, s)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(s.warmup_steps, s.steps))
    generator = torch.Generator().manual_seed(s.seed)
    batches = endless_batches(train_data, s.batch_size, generator)

    events.emit(
        "start",
        device=device.type,
        precision="bf16" if device.type == "cuda" else "fp32",
        parameters=sum(p.numel() for p in model.parameters()),
        vocab_size=len(tokenizer),
        train_examples=len(train_set),
        validation_examples=len(validation_set),
        steps=s.steps,
    )
    started = window_start = time.perf_counter()
    window_losses: list[float] = []
    window_tokens = 0
    train_loss = eval_loss = accuracy = float("nan")
    for step in range(1, s.steps + 1):
        model.train()
        input_ids, attention_mask, labels = collate(next(batches), pad_id, device)
        with autocast():
            loss = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
        loss.backward()
        grad_norm = float(clip_grad_norm_(model.parameters(), s.grad_clip))
        lr = scheduler.get_last_lr()[0]
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)

        loss_value = loss.item()
        if not (math.isfinite(loss_value) and math.isfinite(grad_norm)):
            raise TrainerError(f"training diverged at step {step}: loss {loss_value}, grad norm {grad_norm}")
        window_losses.append(loss_value)
        window_tokens += int(attention_mask.sum())

        last = step == s.steps
        if step % s.log_interval == 0 or last:
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
        if step % s.eval_interval == 0 or last:
            eval_loss, accuracy = evaluate(model, validation_data, s.batch_size, pad_id, device, autocast)
            events.emit("eval", step=step, loss=eval_loss, accuracy=accuracy)

    metrics = {
        "train_loss": train_loss,
        "eval_loss": eval_loss,
        "eval_accuracy": accuracy,
        "majority_baseline": majority_baseline(validation_set),
        "steps": float(s.steps),
        "train_seconds": time.perf_counter() - started,
    }
    return TrainResult(model=model, metrics=metrics)


Autocast = Callable[[], contextlib.AbstractContextManager[None]]


def pick_device(requested: Device) -> tuple[torch.device, Autocast]:
    """The device, and the autocast context to run forward passes in (bf16 on CUDA, none on CPU)."""
    if requested == "cuda" and not torch.cuda.is_available():
        raise TrainerError('device "cuda" was requested but CUDA is not available')
    if requested != "cpu" and torch.cuda.is_available():
        return torch.device("cuda"), lambda: torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.device("cpu"), contextlib.nullcontext


def encode(tokenizer: PreTrainedTokenizerFast, examples: list[Example], max_length: int) -> Encoded:
    ids = tokenizer([e.text for e in examples], truncation=True, max_length=max_length)["input_ids"]
    return Encoded(ids=ids, labels=[e.label for e in examples])


def endless_batches(data: Encoded, batch_size: int, generator: torch.Generator) -> Iterator[Encoded]:
    """Batches drawn without replacement, reshuffled every epoch; the last short batch of an epoch is kept."""
    while True:
        order = torch.randperm(len(data.ids), generator=generator).tolist()
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            yield Encoded(ids=[data.ids[i] for i in chosen], labels=[data.labels[i] for i in chosen])


def collate(
    batch: Encoded, pad_id: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad to the longest sequence in the batch."""
    width = max(len(ids) for ids in batch.ids)
    input_ids = torch.full((len(batch.ids), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch.ids), width), dtype=torch.long)
    for row, ids in enumerate(batch.ids):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        attention_mask[row, : len(ids)] = 1
    labels = torch.tensor(batch.labels, dtype=torch.long)
    return input_ids.to(device), attention_mask.to(device), labels.to(device)


def lr_factor(warmup_steps: int, steps: int) -> Callable[[int], float]:
    """Multiplier of the peak learning rate for the optimizer step after `done` steps: rises linearly to 1
    over the warm-up, then falls linearly, reaching 1/(steps - warmup) at the last step."""

    def factor(done: int) -> float:
        step = done + 1
        if step <= warmup_steps:
            return step / warmup_steps
        return max(0.0, (steps - step + 1) / max(1, steps - warmup_steps))

    return factor


def make_optimizer(model: torch.nn.Module, s: ScheduleConfig) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices only (not on biases and LayerNorm gains)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]
    groups = [{"params": decay, "weight_decay": s.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=s.learning_rate, betas=(0.9, 0.98), eps=1e-8)


@torch.no_grad()
def evaluate(
    model: BertForSequenceClassification,
    data: Encoded,
    batch_size: int,
    pad_id: int,
    device: torch.device,
    autocast: Autocast,
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy over a split."""
    model.eval()
    total_loss, correct = 0.0, 0
    for start in range(0, len(data.ids), batch_size):
        end = start + batch_size
        batch = Encoded(ids=data.ids[start:end], labels=data.labels[start:end])
        input_ids, attention_mask, labels = collate(batch, pad_id, device)
        with autocast():
            logits = model(input_ids=input_ids, attention_mask=attention_mask).logits.float()
        total_loss += float(torch.nn.functional.cross_entropy(logits, labels, reduction="sum"))
        correct += int((logits.argmax(dim=-1) == labels).sum())
    return total_loss / len(data.ids), correct / len(data.ids)
