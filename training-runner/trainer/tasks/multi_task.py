"""Multi-task classification: one BERT encoder, one classification head per task (config: heads, each with
its labels and a sampling weight), on lines {task, text, label}. Each training step draws one head with
probability proportional to its weight and a batch of that head's lines (without replacement, reshuffled
per head each epoch): the encoder learns from every head, each head only from its own lines. A head of
weight 0 is never trained (under torchrun it takes part in each backward with weight 0, so weight decay
still shrinks it). Evaluation covers every validation line with its own head: accuracy over all
lines, and accuracy_<head> per head. The checkpoint is the encoder (config.json lists the heads) plus
heads.safetensors; the ONNX file gives logits_<head> for every head."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch.nn.functional import cross_entropy

from ..batches import Batches, Encoded, pad_ids
from ..config import MultiTask
from ..data import Example
from ..models import build_encoder
from .base import Autocast, Inputs, Task, splits


class MultiHeadClassifier(torch.nn.Module):
    def __init__(self, encoder: Any, heads: dict[str, int]) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(encoder.config.hidden_dropout_prob)
        width = encoder.config.hidden_size
        self.heads = torch.nn.ModuleDict({name: torch.nn.Linear(width, n) for name, n in heads.items()})

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        pooled = self.dropout(self.encoder(input_ids=input_ids, attention_mask=attention_mask).pooler_output)
        return {f"logits_{name}": head(pooled) for name, head in self.heads.items()}


class HeadSampler(Batches):
    """Each step: a head drawn by weight, then the next batch of that head's own epoch order."""

    def __init__(self, heads: list[int], weights: list[float], batch_size: int, seed: int) -> None:
        super().__init__(len(heads), batch_size, seed)
        self.rows = [[i for i, h in enumerate(heads) if h == head] for head in range(len(weights))]
        # a head without training lines cannot be drawn, whatever its weight
        self.weights = torch.tensor([w if self.rows[h] else 0.0 for h, w in enumerate(weights)])
        self.orders: list[list[int]] = [[] for _ in weights]
        self.positions = [0 for _ in weights]

    def next(self) -> list[int]:
        head = int(torch.multinomial(self.weights, 1, generator=self.generator))
        if self.positions[head] >= len(self.orders[head]):
            rows = self.rows[head]
            self.orders[head] = [rows[i] for i in torch.randperm(len(rows), generator=self.generator).tolist()]
            self.positions[head] = 0
        chosen = self.orders[head][self.positions[head] : self.positions[head] + self.batch_size]
        self.positions[head] += self.batch_size
        return chosen

    def state_dict(self) -> dict[str, Any]:
        orders, positions = [list(order) for order in self.orders], list(self.positions)
        return {"generator": self.generator.get_state(), "orders": orders, "positions": positions}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.orders, self.positions = [list(o) for o in state["orders"]], list(state["positions"])


class MultiTaskClassification(Task):
    config: MultiTask

    @property
    def onnx_outputs(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"logits_{head.name}" for head in self.config.heads)

    def encode(self, examples: list[Example], max_length: int) -> Encoded:
        ids = self.tokenizer([e.text for e in examples], truncation=True, max_length=max_length)["input_ids"]
        return Encoded(
            ids=ids,
            labels=[(e.head, e.label) for e in examples],
            weights=[e.weight for e in examples],
            difficulties=[e.difficulty for e in examples],
        )

    def model(self) -> torch.nn.Module:
        encoder = build_encoder(self.job.model.base, len(self.tokenizer), self.pad_id, pooler=True)
        return MultiHeadClassifier(encoder, {head.name: len(head.labels) for head in self.config.heads})

    def batches(self, data: Encoded, batch_size: int, seed: int) -> Batches:
        weights = [head.weight for head in self.config.heads]
        return HeadSampler([head for head, _ in data.labels], weights, batch_size, seed)

    def inputs(self, batch: Encoded, device: torch.device, generator: torch.Generator | None = None) -> Inputs:
        input_ids, attention_mask = pad_ids(batch.ids, self.pad_id)
        heads = torch.tensor([head for head, _ in batch.labels], dtype=torch.long)
        labels = torch.tensor([label for _, label in batch.labels], dtype=torch.long)
        tensors = {"input_ids": input_ids, "attention_mask": attention_mask, "heads": heads, "labels": labels}
        return {name: t.to(device) for name, t in tensors.items()}

    def logits_and_losses(
        self, model: torch.nn.Module, inputs: Inputs, autocast: Autocast
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Every head's logits, and each line's loss under its own head."""
        with autocast():
            outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])
        losses = torch.zeros(len(inputs["labels"]), device=inputs["labels"].device)
        for index, head in enumerate(self.config.heads):
            rows = inputs["heads"] == index
            if rows.any():
                logits = outputs[f"logits_{head.name}"].float()[rows]
                mine = cross_entropy(logits, inputs["labels"][rows], reduction="none")
                losses = losses.index_put((rows.nonzero().squeeze(1),), mine)
        return outputs, losses

    def losses(self, model: torch.nn.Module, inputs: Inputs, autocast: Autocast) -> torch.Tensor:
        outputs, losses = self.logits_and_losses(model, inputs, autocast)
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            # DDP expects a gradient for every parameter in every backward: the other heads join with weight 0
            losses = losses + 0.0 * sum(logits.float().sum() for logits in outputs.values())
        return losses

    @torch.no_grad()
    def evaluate(
        self, model: torch.nn.Module, data: Encoded, batch_size: int, device: torch.device, autocast: Autocast
    ) -> dict[str, float]:
        model.eval()
        names = [head.name for head in self.config.heads]
        total_loss, right, seen = 0.0, [0] * len(names), [0] * len(names)
        for rows in splits(len(data), batch_size):
            inputs = self.inputs(data.take(rows), device)
            outputs, losses = self.logits_and_losses(model, inputs, autocast)
            total_loss += float(losses.sum())
            for index, name in enumerate(names):
                mine = inputs["heads"] == index
                predicted = outputs[f"logits_{name}"][mine].argmax(dim=-1)
                right[index] += int((predicted == inputs["labels"][mine]).sum())
                seen[index] += int(mine.sum())
        scores = {"loss": total_loss / len(data), "accuracy": sum(right) / len(data)}
        scores.update({f"accuracy_{name}": right[i] / seen[i] for i, name in enumerate(names) if seen[i]})
        return scores

    def baseline(self, data: Encoded) -> float:
        """Each head always answering its own most common label."""
        counts: dict[tuple[int, int], int] = {}
        for key in data.labels:
            counts[key] = counts.get(key, 0) + 1
        best = {head: max(n for (h, _), n in counts.items() if h == head) for head, _ in counts}
        return sum(best.values()) / len(data)

    def save(self, model: torch.nn.Module, out_dir: Path) -> Path:
        assert isinstance(model, MultiHeadClassifier)
        super().save(model.encoder, out_dir)
        heads = {
            f"{name}.{part}": t.detach().cpu().contiguous()
            for name, head in model.heads.items()
            for part, t in head.state_dict().items()
        }
        save_file(heads, str(out_dir / "heads.safetensors"))
        config_path = out_dir / "config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["edgetune_heads"] = [{"name": h.name, "labels": list(h.labels)} for h in self.config.heads]
        config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        return out_dir
