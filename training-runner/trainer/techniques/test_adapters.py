"""Adapters adapt a trained base to a new task. The base here is a tiny BERT fully trained (40 steps) to
call any of eight words spam; the new task calls only four of them spam and the other four ham. A frozen
encoder's features do not tell the two groups apart well, so the head alone does poorly; adapters re-shape
the features and learn it. (On a randomly initialised base the [CLS] output barely depends on the input and
neither adapters nor the head learn in a few hundred steps: adapters need a trained base, as in practice.)"""

from __future__ import annotations

import copy
import io
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pytest
import torch
from safetensors.torch import load_file

from ..config import parse_job
from ..conftest import FILLER, KEYWORDS, job_dict
from ..errors import JobError
from ..events import Events
from ..export import TOLERANCE, export_onnx, save_checkpoint
from ..models import build_classifier
from ..run import load_data
from ..tokenizer import train_tokenizer
from ..train import TrainResult, train
from .bottleneck import Adapted, add_adapters

DECOYS = ["alpha", "beta", "gamma", "delta"]
TEXTS = ["free cash for the winner", "the alpha meeting is on friday", "budget", "review the prize draft agenda"]
NO_DROPOUT = {"name": "dropout", "hidden": 0, "attention": 0}


def word_task(path: Path, spam_words: list[str], ham_words: list[str], seed: int) -> Path:
    """Filler texts; spam ones hold one of spam_words, ham ones one of ham_words (if any)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(240):
            words = rng.choices(FILLER, k=rng.randint(6, 14))
            pool = spam_words if i % 2 == 0 else ham_words
            if pool:
                words.insert(rng.randrange(len(words) + 1), rng.choice(pool))
            out.write(json.dumps({"text": " ".join(words), "label": "ham" if i % 2 else "spam"}) + "\n")
    return path


def run(raw: dict[str, Any], tokenizer: Any, initial: torch.nn.Module | None) -> tuple[TrainResult, list[dict]]:
    job = parse_job(raw, Path("/"))
    train_set, validation_set = load_data(job)
    stream = io.StringIO()
    result = train(job, tokenizer, train_set, validation_set, Events(stream), initial_model=initial)
    return result, [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("adapters")
    pretrain = word_task(tmp / "pretrain.jsonl", KEYWORDS + DECOYS, [], seed=1)
    task = word_task(tmp / "task.jsonl", KEYWORDS, DECOYS, seed=2)
    texts = [json.loads(line)["text"] for p in (pretrain, task) for line in p.read_text().splitlines()]
    raw = job_dict(pretrain, steps=40, eval_interval=40)
    raw["techniques"] = [NO_DROPOUT]
    tokenizer = train_tokenizer(texts, parse_job(raw, Path("/")).tokenizer, 32)
    base, _ = run(raw, tokenizer, None)
    results = {"tmp": tmp, "tokenizer": tokenizer, "base": copy.deepcopy(base.model)}
    head_only = {"name": "freeze", "patterns": ["bert.*"]}
    for name, technique in (("adapters", {"name": "adapters", "size": 16}), ("head", head_only)):
        raw = job_dict(task, steps=150, learning_rate=0.01, eval_interval=150)
        raw["techniques"] = [technique]
        results[name] = run(raw, tokenizer, copy.deepcopy(base.model))
    return results


def test_a_fresh_adapter_is_the_identity() -> None:
    torch.manual_seed(0)
    model = build_classifier("tiny-bert", 100, ("ham", "spam"), 0).eval()
    ids = torch.randint(5, 100, (3, 9))
    with torch.no_grad():
        before = model(input_ids=ids).logits
        after = add_adapters(model, 8, ["attention", "ffn"], "relu")(input_ids=ids).logits
    assert sum(isinstance(m, Adapted) for m in model.modules()) == 4  # 2 layers x (attention, ffn)
    assert torch.equal(before, after)


def test_adapters_need_a_bert_encoder(tmp_path: Path) -> None:
    raw = {**job_dict(tmp_path / "train.jsonl"), "model": {"base": "tiny-gpt2"}, "task": {"type": "causal-lm"}}
    (tmp_path / "train.jsonl").write_text("")
    raw["techniques"] = [{"name": "adapters"}]
    with pytest.raises(JobError, match="techniques.0: adapters go into BERT encoder layers; tiny-gpt2 has none"):
        parse_job(raw, Path("/"))


def test_adapters_train_a_small_fraction_and_beat_the_frozen_base(runs: dict[str, Any]) -> None:
    (adapted, events), (head, head_events) = runs["adapters"], runs["head"]
    start = next(e for e in events if e["type"] == "start")
    # 2 layers x 2 placements x (down 64x16 + 16, up 16x64 + 64) + the head (64x2 + 2)
    assert start["trainable_parameters"] == 2 * 2 * (64 * 16 + 16 + 16 * 64 + 64) + 64 * 2 + 2 == 8642
    assert start["trainable_parameters"] < start["parameters"] / 10
    assert next(e for e in head_events if e["type"] == "start")["trainable_parameters"] == 130
    # measured: adapters 0.96, the head alone 0.71
    assert adapted.metrics["eval_accuracy"] >= 0.9
    assert adapted.metrics["eval_accuracy"] >= head.metrics["eval_accuracy"] + 0.15
    assert adapted.metrics["eval_loss"] < head.metrics["eval_loss"] / 2


def test_only_the_adapters_and_the_head_changed(runs: dict[str, Any]) -> None:
    adapted, base = runs["adapters"][0].model.state_dict(), runs["base"].state_dict()
    for name, weight in adapted.items():
        if ".adapter." in name:
            continue
        plain = name.replace(".linear.", ".")
        assert torch.equal(weight, base[plain]) != plain.startswith("classifier."), name
    up = adapted["bert.encoder.layer.0.output.dense.adapter.up.weight"]
    assert float(up.abs().max()) > 0  # the adapter learned (it started at zero)


def test_the_export_carries_the_adapters_and_the_checkpoint_reloads(runs: dict[str, Any]) -> None:
    model, tokenizer = runs["adapters"][0].model, runs["tokenizer"]
    model_dir = save_checkpoint(model, tokenizer, Path(runs["tmp"]) / "model")
    onnx_path, reported = export_onnx(model, tokenizer, model_dir, TEXTS, 32)
    assert reported <= TOLERANCE
    encoded = tokenizer(TEXTS, padding=True, return_tensors="pt")
    inputs = {name: encoded[name] for name in ("input_ids", "attention_mask")}
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (exported,) = session.run(["logits"], {name: tensor.numpy() for name, tensor in inputs.items()})
    fresh = build_classifier("tiny-bert", len(tokenizer), ("ham", "spam"), 0)
    reloaded = add_adapters(fresh, 16, ["attention", "ffn"], "relu")
    reloaded.load_state_dict(load_file(str(model_dir / "model.safetensors")))
    bare = runs["base"].eval()  # the base with the trained head, without adapters
    bare.classifier.load_state_dict(model.classifier.state_dict())
    with torch.no_grad():
        again = reloaded.eval()(**inputs).logits.numpy()
        without = bare(**inputs).logits.numpy()
    assert float(np.max(np.abs(exported - again))) <= 1e-4
    assert float(np.max(np.abs(exported - without))) > 0.1  # the adapters are in the exported graph
