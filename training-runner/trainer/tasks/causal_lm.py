"""Causal language modelling: a GPT-2 decoder predicts each next token. On lines {prompt, completion}
(fine-tuning) only the completion's tokens (and the end-of-text token after it) are targets: the prompt's
positions are -100, so the loss never asks the model to reproduce prompts. On lines {text} (pre-training)
every token after the first is a target, and each document ends with end-of-text. Metrics: token loss,
perplexity (exp of the loss) and next-token accuracy on the targets; after training, the share of
validation prompts whose greedy completion is exactly the reference. The ONNX file gives logits per
position ([batch, sequence, vocab]) for input_ids and attention_mask."""

from __future__ import annotations

from pathlib import Path

import torch

from ..batches import Encoded, pad, pad_ids
from ..config import CausalLmTask
from ..data import Example
from ..generate import greedy_completions
from ..models import build_causal_lm
from .base import Autocast, Inputs, Task, lm_losses, lm_metrics, majority_share, splits, token_losses

IGNORE = -100  # a position that is no target
SAMPLE_PROMPTS = 32  # validation prompts completed greedily after training
MAX_NEW_TOKENS = 24
NO_REPEAT_NGRAM = 2  # greedy decoding never repeats a bigram (generate.py says why)


class CausalLm(Task):
    config: CausalLmTask

    @staticmethod
    def texts(examples: list[Example]):  # type: ignore[override]
        for e in examples:
            yield e.text if e.completion is None else e.text + e.completion

    @property
    def eos_id(self) -> int:
        eos = self.tokenizer.eos_token_id
        assert eos is not None
        return eos

    def encode(self, examples: list[Example], max_length: int) -> Encoded:
        ids, targets = [], []
        for e in examples:
            row, target = self.encode_one(e, max_length)
            ids.append(row)
            targets.append(target)
        return Encoded(
            ids=ids,
            labels=targets,
            weights=[e.weight for e in examples],
            difficulties=[e.difficulty for e in examples],
        )

    def encode_one(self, example: Example, max_length: int) -> tuple[list[int], list[int]]:
        """Token ids and the target at each position (the token itself, or IGNORE)."""
        tokens = self.tokenizer(example.text, add_special_tokens=False, verbose=False)["input_ids"]
        if example.completion is None:
            row = (tokens + [self.eos_id])[:max_length]
            return row, list(row)
        completion = self.tokenizer(example.completion, add_special_tokens=False, verbose=False)["input_ids"]
        completion += [self.eos_id]
        if len(tokens) + len(completion) > max_length:  # cut the completion's tail, then the prompt's head
            completion = completion[: max(max_length // 2, max_length - len(tokens))]
            tokens = tokens[len(tokens) - (max_length - len(completion)) :]
        return tokens + completion, [IGNORE] * len(tokens) + completion

    def model(self) -> torch.nn.Module:
        return build_causal_lm(self.job.model.base, len(self.tokenizer), self.pad_id, self.eos_id)

    def inputs(self, batch: Encoded, device: torch.device, generator: torch.Generator | None = None) -> Inputs:
        input_ids, attention_mask = pad_ids(batch.ids, self.pad_id)
        labels = pad(batch.labels, IGNORE)
        tensors = {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
        return {name: t.to(device) for name, t in tensors.items()}

    def losses(self, model: torch.nn.Module, inputs: Inputs, autocast: Autocast) -> torch.Tensor:
        """Each example's mean next-token loss over its targets."""
        return lm_losses(model, inputs, autocast, next_token_losses)

    def evaluate(
        self, model: torch.nn.Module, data: Encoded, batch_size: int, device: torch.device, autocast: Autocast
    ) -> dict[str, float]:
        """Per target token over the whole split: loss, perplexity, top-1 accuracy."""
        batches = (self.inputs(data.take(rows), device) for rows in splits(len(data), batch_size))
        return lm_metrics(model, batches, autocast, next_token_losses)

    def baseline(self, data: Encoded) -> float:
        """Always predicting the most common target token."""
        return majority_share([t for row in data.labels for t in row[1:] if t != IGNORE])

    def sample_texts(self, examples: list[Example]) -> list[str]:
        return [e.text if e.completion is None else e.text + e.completion for e in examples]

    def save(self, model: torch.nn.Module, out_dir: Path) -> Path:
        model.config.use_cache = False  # type: ignore[union-attr]  # the ONNX file has no past key/value inputs
        decoding = {"max_new_tokens": MAX_NEW_TOKENS, "no_repeat_ngram_size": NO_REPEAT_NGRAM}
        model.generation_config.update(**decoding)  # type: ignore[union-attr,operator]  # how the trainer decoded
        return super().save(model, out_dir)

    def samples(self, model: torch.nn.Module, validation: list[Example]) -> list[dict[str, str]]:
        """Greedy completions of the first validation prompts, next to their references."""
        if self.config.input != "prompt-completion":
            return []
        chosen = validation[:SAMPLE_PROMPTS]
        written = greedy_completions(
            model,
            self.tokenizer,
            [e.text for e in chosen],
            MAX_NEW_TOKENS,
            self.job.schedule.max_seq_length,
            NO_REPEAT_NGRAM,
        )
        return [
            {"prompt": e.text, "completion": text, "reference": e.completion or ""}
            for e, text in zip(chosen, written, strict=True)
        ]

    def sample_metrics(self, samples: list[dict[str, str]]) -> dict[str, float]:
        exact = sum(s["completion"].strip() == s["reference"].strip() for s in samples)
        return {"eval_exact_match": exact / len(samples)}


def next_token_losses(
    logits: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Position t predicts the target at t + 1: per example, the summed loss, the target count and the
    correct count (see base.token_losses)."""
    return token_losses(logits[:, :-1], labels[:, 1:])
