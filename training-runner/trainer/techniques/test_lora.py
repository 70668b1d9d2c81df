from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch

from ..conftest import job_dict, keyword_dataset, train_job
from ..export import TOLERANCE, export_onnx
from ..models import build_classifier
from .lora import Lora

TEXTS = ["free cash for the winner", "the team meeting is on friday", "budget", "review the prize draft agenda"]


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """A LoRA run on the keyword task; the trained PEFT model is kept (a deep copy) before it is merged."""
    tmp = tmp_path_factory.mktemp("lora")
    raw = job_dict(keyword_dataset(tmp / "train.jsonl", 240), steps=120, learning_rate=0.03)
    raw["techniques"] = [{"name": "lora", "r": 4, "alpha": 8, "target_modules": ["query", "value"]}]
    kept: list[torch.nn.Module] = []
    original = Lora.final_model

    def keep_then_merge(self: Lora, model: torch.nn.Module) -> torch.nn.Module:
        kept.append(copy.deepcopy(model))
        return original(self, model)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Lora, "final_model", keep_then_merge)
        trained = train_job(raw)
    return trained, kept[0], tmp


def test_lora_trains_far_fewer_parameters_and_they_learn(lora_run: tuple) -> None:
    trained, _, _ = lora_run
    start = trained.of("start")[0]
    full = build_classifier("tiny-bert", len(trained.tokenizer), ("ham", "spam"), 0)
    full_count = sum(p.numel() for p in full.parameters())
    # 2 layers x (query, value) x (A: 4x64 + B: 64x4) + the head (64x2 + 2)
    assert start["trainable_parameters"] == 2 * 2 * (4 * 64 + 64 * 4) + 64 * 2 + 2 == 2178
    assert start["trainable_parameters"] < full_count / 20
    # adapting a randomly initialised base is slower than full fine-tuning, but it learns the task
    assert trained.metrics["eval_accuracy"] >= 0.9
    assert trained.of("eval")[-1]["loss"] < trained.of("eval")[0]["loss"] / 2


def test_lora_leaves_the_base_weights_alone_and_merging_changes_them(lora_run: tuple) -> None:
    trained, peft_model, _ = lora_run
    torch.manual_seed(trained.job.schedule.seed)
    initial = build_classifier("tiny-bert", len(trained.tokenizer), ("ham", "spam"), 0).state_dict()
    base = peft_model.get_base_model().state_dict()
    query = "bert.encoder.layer.0.attention.self.query"
    assert torch.equal(base[f"{query}.base_layer.weight"], initial[f"{query}.weight"])
    assert torch.equal(base["bert.encoder.layer.0.attention.self.key.weight"], initial[f"{query[:-5]}key.weight"])
    merged = trained.model.state_dict()
    assert set(merged) == set(initial)  # a plain transformers model again: no adapter names
    assert not torch.equal(merged[f"{query}.weight"], initial[f"{query}.weight"])  # the update was merged in
    assert torch.equal(merged["bert.encoder.layer.0.attention.self.key.weight"], initial[f"{query[:-5]}key.weight"])


def test_the_merged_onnx_export_matches_the_peft_model(lora_run: tuple) -> None:
    trained, peft_model, tmp = lora_run
    onnx_path, reported = export_onnx(trained.model, trained.tokenizer, Path(tmp) / "model", TEXTS, 32)
    assert reported <= TOLERANCE
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    encoded = trained.tokenizer(TEXTS, padding=True, return_tensors="pt")
    peft_model.eval()
    with torch.no_grad():
        expected = peft_model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).logits
    (actual,) = session.run(
        ["logits"], {name: encoded[name].numpy() for name in ("input_ids", "attention_mask")}
    )
    assert float(np.max(np.abs(actual - expected.numpy()))) <= 1e-4
    assert float(expected.abs().max()) > 0.5  # real logits, not a degenerate zero model
