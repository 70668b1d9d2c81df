"""Greedy decoding with transformers' own generate(), for the trainer's evaluation of a causal LM: what
the model writes after each prompt, up to its end-of-text token. Serving decodes elsewhere (the Worker)."""

from __future__ import annotations

import torch
from transformers import PreTrainedTokenizerFast


@torch.no_grad()
def greedy_completions(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerFast,
    prompts: list[str],
    max_new_tokens: int,
    max_length: int,
) -> list[str]:
    """One prompt at a time (no padding to get wrong); a prompt keeps its last tokens when it would leave no
    room for max_new_tokens within max_length."""
    model.eval()
    device = next(model.parameters()).device
    completions = []
    for prompt in prompts:
        ids = tokenizer(prompt, add_special_tokens=False, verbose=False)["input_ids"][-(max_length - max_new_tokens) :]
        input_ids = torch.tensor([ids], device=device)
        output = model.generate(  # type: ignore[operator]
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        completions.append(tokenizer.decode(output[0, len(ids) :], skip_special_tokens=True))
    return completions
