from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch
from transformers import AutoModelForSequenceClassification, PreTrainedTokenizerFast

from .config import TokenizerConfig
from .conftest import FILLER, KEYWORDS, CliRun
from .errors import TrainerError
from .export import TOLERANCE, export_onnx, save_checkpoint, verify_onnx
from .models import build_classifier
from .tokenizer import train_tokenizer

TEXTS = [
    "the team meeting is on friday",
    "free cash prize for the winner",
    "budget",
    "review the draft agenda",
]


def test_the_checkpoint_has_the_hub_layout(cli_run: CliRun) -> None:
    model_dir = cli_run.out / "model"
    names = ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx")
    for name in names:
        assert (model_dir / name).is_file(), name
    config = json.loads((model_dir / "config.json").read_text())
    assert config["id2label"] == {"0": "ham", "1": "spam"} and config["label2id"] == {"ham": 0, "spam": 1}
    assert [e["path"] for e in cli_run.events if e["type"] == "checkpoint"] == [str(model_dir)]


def test_the_checkpoint_loads_back_and_classifies(cli_run: CliRun) -> None:
    model_dir = cli_run.out / "model"
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    tokenizer = PreTrainedTokenizerFast.from_pretrained(model_dir)
    inputs = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
    assert [model.config.id2label[int(i)] for i in logits.argmax(-1)] == ["ham", "spam", "ham", "ham"]
    # the ONNX file gives the same logits for the same tokens
    onnx_path = str(model_dir / "onnx" / "model.onnx")
    session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    (onnx_logits,) = session.run(["logits"], {k: v.numpy() for k, v in inputs.items()})
    assert np.max(np.abs(onnx_logits - logits.numpy())) <= TOLERANCE


@pytest.fixture(scope="module")
def small_model() -> tuple[torch.nn.Module, PreTrainedTokenizerFast]:
    texts = [" ".join(FILLER[i:] + KEYWORDS) for i in range(len(FILLER))]
    tokenizer = train_tokenizer(texts, TokenizerConfig(vocab_size=200, min_frequency=1), max_length=32)
    torch.manual_seed(0)
    model = build_classifier("tiny-bert", len(tokenizer), ("ham", "spam"), tokenizer.pad_token_id or 0).eval()
    return model, tokenizer


def test_save_then_load_gives_the_same_logits(tmp_path: Path, small_model: tuple) -> None:
    model, tokenizer = small_model
    save_checkpoint(model, tokenizer, tmp_path)
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    reloaded_tokenizer = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    inputs = tokenizer(TEXTS, padding=True, return_tensors="pt")
    reloaded_ids = reloaded_tokenizer(TEXTS, padding=True, return_tensors="pt")["input_ids"]
    assert torch.equal(reloaded_ids, inputs["input_ids"])
    with torch.no_grad():
        assert torch.equal(loaded(**inputs).logits, model(**inputs).logits)


def test_the_onnx_export_matches_pytorch_at_any_batch_and_length(tmp_path: Path, small_model: tuple) -> None:
    model, tokenizer = small_model
    path, max_abs_diff = export_onnx(model, tokenizer, tmp_path, TEXTS, max_length=32)
    assert path == tmp_path / "onnx" / "model.onnx" and 0 <= max_abs_diff <= TOLERANCE
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch, length in ((1, 5), (7, 32)):
        ids = torch.randint(5, len(tokenizer), (batch, length))
        mask = torch.ones_like(ids)
        mask[0, length // 2 :] = 0  # padding counts
        with torch.no_grad():
            expected = model(input_ids=ids, attention_mask=mask).logits.numpy()
        (actual,) = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
        assert actual.shape == (batch, 2) and np.max(np.abs(actual - expected)) <= TOLERANCE


def test_an_export_that_disagrees_with_pytorch_fails(tmp_path: Path, small_model: tuple) -> None:
    model, tokenizer = small_model
    path, _ = export_onnx(model, tokenizer, tmp_path, TEXTS, max_length=32)
    changed = build_classifier("tiny-bert", len(tokenizer), ("ham", "spam"), 0).eval()
    changed.load_state_dict(model.state_dict())
    with torch.no_grad():
        changed.classifier.bias += 0.01
    with pytest.raises(TrainerError, match=r"ONNX export does not match PyTorch: max abs logit diff 0\.01"):
        verify_onnx(changed, tokenizer, path, TEXTS, max_length=32)
