from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pytest
import torch

from ..conftest import FILLER, KEYWORDS, Trained, train_job
from ..data import Example
from ..export import TOLERANCE
from ..generate import greedy_ids
from .causal_lm import IGNORE, MAX_NEW_TOKENS, NO_REPEAT_NGRAM, next_token_losses


def subject_dataset(path: Path, count: int, seed: int = 0) -> Path:
    """Prompt/completion JSONL: an email-like body, then "subject:"; the completion is "free offer" when the
    body holds a keyword, else "team update". Learnable in a few dozen steps."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            words = rng.choices(FILLER, k=rng.randint(6, 12))
            if i % 2 == 0:
                words.insert(rng.randrange(len(words) + 1), rng.choice(KEYWORDS))
            completion = " free offer" if i % 2 == 0 else " team update"
            out.write(json.dumps({"prompt": " ".join(words) + "\nsubject:", "completion": completion}) + "\n")
    return path


def lm_job(train: Path, steps: int, **task: Any) -> dict[str, Any]:
    return {
        "model": {"base": "tiny-gpt2"},
        "task": {"type": "causal-lm", **task},
        "data": {"train": str(train), "validation_fraction": 0.2},
        "tokenizer": {"vocab_size": 300, "min_frequency": 1},
        "schedule": {
            "steps": steps,
            "batch_size": 16,
            "learning_rate": 0.005,
            "warmup_steps": min(5, steps),
            "max_seq_length": 48,
            "eval_interval": max(steps, 1),
            "log_interval": max(steps, 1),
        },
        "device": "cpu",
    }


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trained, Trained]:
    """The same job untrained (one step at a tiny learning rate) and after 40 steps."""
    train = subject_dataset(tmp_path_factory.mktemp("clm") / "train.jsonl", 200)
    untrained = lm_job(train, 1)
    untrained["schedule"]["learning_rate"] = 1e-9
    return train_job(untrained), train_job(lm_job(train, 40))


def test_prompt_tokens_are_not_targets(trained: tuple[Trained, Trained]) -> None:
    _, after = trained
    prompt, completion = "free cash\nsubject:", " free offer"
    ids, targets = after.task.encode_one(Example(prompt, completion=completion), 48)
    prompt_ids = after.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    completion_ids = after.tokenizer(completion, add_special_tokens=False)["input_ids"]
    assert ids == prompt_ids + completion_ids + [after.tokenizer.eos_token_id]
    assert targets == [IGNORE] * len(prompt_ids) + completion_ids + [after.tokenizer.eos_token_id]


def test_a_long_example_keeps_the_prompt_end_and_the_completion(trained: tuple[Trained, Trained]) -> None:
    _, after = trained
    eos = after.tokenizer.eos_token_id
    long_prompt = " ".join(FILLER) + " " + " ".join(FILLER) + "\nsubject:"
    ids, targets = after.task.encode_one(Example(long_prompt, completion=" team update"), 16)
    completion = after.tokenizer(" team update", add_special_tokens=False)["input_ids"] + [eos]
    cue = after.tokenizer("\nsubject:", add_special_tokens=False)["input_ids"]
    assert len(ids) == 16 and ids[-len(completion) :] == completion  # the completion is whole
    assert ids[-len(completion) - len(cue) : -len(completion)] == cue  # the prompt lost its head, not its end
    assert targets == [IGNORE] * (16 - len(completion)) + completion
    prompt = after.tokenizer("hi\nsubject:", add_special_tokens=False)["input_ids"]
    ids, targets = after.task.encode_one(Example("hi\nsubject:", completion=" free offer" * 20), 16)
    assert len(ids) == 16 and ids[: len(prompt)] == prompt  # a long completion loses its tail, not the prompt
    assert targets[: len(prompt)] == [IGNORE] * len(prompt) and IGNORE not in targets[len(prompt) :]


def test_the_loss_ignores_what_is_predicted_at_prompt_positions() -> None:
    torch.manual_seed(0)
    logits = torch.randn(2, 6, 11)
    labels = torch.tensor([[IGNORE, IGNORE, IGNORE, 4, 5, 1], [IGNORE, IGNORE, 7, 2, IGNORE, IGNORE]])
    loss, count, _ = next_token_losses(logits, labels)
    assert count.tolist() == [3, 2]
    # position t predicts token t + 1: positions 0, 1 of row 0 and 0 of row 1 predict prompt tokens
    changed = logits.clone()
    changed[0, :2] = torch.randn(2, 11) * 10
    changed[1, 0] = torch.randn(11) * 10
    changed[1, 4:] = torch.randn(2, 11) * 10  # and what follows the end (padding)
    assert torch.equal(next_token_losses(changed, labels)[0], loss)
    # a completion position's prediction does count
    changed[0, 3] += torch.randn(11) * 10
    assert not torch.equal(next_token_losses(changed, labels)[0], loss)


def test_the_loss_is_the_completion_tokens_mean_cross_entropy() -> None:
    logits = torch.randn(1, 5, 7)
    labels = torch.tensor([[IGNORE, IGNORE, 3, 6, 2]])
    loss, count, _ = next_token_losses(logits, labels)
    expected = torch.nn.functional.cross_entropy(logits[0, 1:4], torch.tensor([3, 6, 2]), reduction="sum")
    assert torch.allclose(loss[0], expected) and int(count[0]) == 3


def test_a_few_dozen_steps_lower_validation_loss_and_perplexity(trained: tuple[Trained, Trained]) -> None:
    before, after = trained
    assert after.metrics["eval_loss"] < before.metrics["eval_loss"] / 2
    assert after.metrics["eval_perplexity"] < before.metrics["eval_perplexity"] / 10
    assert before.metrics["eval_perplexity"] == pytest.approx(np.exp(before.metrics["eval_loss"]))
    # next-token accuracy on completion tokens clears always-the-commonest-token
    assert after.metrics["eval_accuracy"] > after.metrics["majority_baseline"] + 0.2


def test_greedy_decoding_never_repeats_a_bigram(trained: tuple[Trained, Trained]) -> None:
    before, _ = trained  # the untrained model: left alone, it loops
    prompt = "the team\nsubject:"
    free = greedy_ids(before.model, before.tokenizer, [prompt], 16, 48)[0]
    banned = greedy_ids(before.model, before.tokenizer, [prompt], 16, 48, NO_REPEAT_NGRAM)[0]

    def bigrams(ids: list[int]) -> list[tuple[int, int]]:
        return list(zip(ids, ids[1:], strict=False))

    assert len(set(bigrams(free))) < len(bigrams(free))  # it repeats itself
    assert len(set(bigrams(banned))) == len(bigrams(banned)) > 0


def test_greedy_completions_write_the_subject(trained: tuple[Trained, Trained]) -> None:
    _, after = trained
    prompts = [
        Example("cash prize for the team\nsubject:", completion=" free offer"),
        Example("the meeting notes\nsubject:", completion=" team update"),
    ]
    samples = after.task.samples(after.model, prompts)
    assert [s["completion"] for s in samples] == [" free offer", " team update"]
    assert after.task.sample_metrics(samples) == {"eval_exact_match": 1.0}


def test_the_export_has_the_decoder_layout_and_matches_pytorch(
    trained: tuple[Trained, Trained], tmp_path: Path
) -> None:
    _, after = trained
    model_dir = after.task.save(after.model, tmp_path / "model")
    texts = ["free cash prize\nsubject:", "the team\nsubject: team update", "a"]
    path, diff = after.task.export(after.model, model_dir, texts, 48)
    names = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")
    for name in names:
        assert (model_dir / name).is_file(), name
    assert path == model_dir / "onnx" / "model.onnx" and diff <= TOLERANCE
    config = json.loads((model_dir / "config.json").read_text())
    generation = json.loads((model_dir / "generation_config.json").read_text())
    assert config["model_type"] == "gpt2" and config["use_cache"] is False
    assert generation["eos_token_id"] == after.tokenizer.eos_token_id == config["eos_token_id"]
    assert generation["max_new_tokens"] == MAX_NEW_TOKENS and generation["no_repeat_ngram_size"] == NO_REPEAT_NGRAM
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    ids = torch.randint(2, len(after.tokenizer), (3, 17))
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0
    with torch.no_grad():
        expected = after.model(input_ids=ids, attention_mask=mask).logits.numpy()
    (actual,) = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    assert actual.shape == (3, 17, len(after.tokenizer))
    assert np.max(np.abs(actual - expected)[mask.numpy().astype(bool)]) <= TOLERANCE
