"""Greedy decoding with transformers' own generate(), for the trainer's evaluation of a causal LM: what
the model writes after each prompt, up to its end-of-text token. A tiny model decoded greedily falls into
loops ("the the the ..."); no_repeat_ngram_size forbids repeating an n-gram (measured on the subject-line
example: ROUGE-L F 0.007 without, 0.027 with bigrams banned). Serving decodes elsewhere (the Worker) and
reads the same settings from generation_config.json."""

from __future__ import annotations

import torch
from transformers import PreTrainedTokenizerFast


def greedy_completions(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerFast,
    prompts: list[str],
    max_new_tokens: int,
    max_length: int,
    no_repeat_ngram_size: int = 0,
) -> list[str]:
    """The text the model writes after each prompt."""
    written = greedy_ids(model, tokenizer, prompts, max_new_tokens, max_length, no_repeat_ngram_size)
    return [tokenizer.decode(ids, skip_special_tokens=True) for ids in written]


@torch.no_grad()
def greedy_ids(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerFast,
    prompts: list[str],
    max_new_tokens: int,
    max_length: int,
    no_repeat_ngram_size: int = 0,
) -> list[list[int]]:
    """The token ids the model writes after each prompt, one prompt at a time (no padding to get wrong); a
    prompt keeps its last tokens when it would leave no room for max_new_tokens within max_length."""
    model.eval()
    device = next(model.parameters()).device
    written = []
    for prompt in prompts:
        ids = tokenizer(prompt, add_special_tokens=False, verbose=False)["input_ids"][-(max_length - max_new_tokens) :]
        input_ids = torch.tensor([ids], device=device)
        output = model.generate(  # type: ignore[operator]
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            no_repeat_ngram_size=no_repeat_ngram_size,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        written.append(output[0, len(ids) :].tolist())
    return written
