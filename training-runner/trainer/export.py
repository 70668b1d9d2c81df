"""The final checkpoint (transformers' save_pretrained) and its ONNX export, verified against PyTorch.

Layout, like a Hugging Face Hub repository (transformers.js loads it as is):
  model/config.json             with id2label / label2id
  model/model.safetensors
  model/tokenizer.json, model/tokenizer_config.json
  model/onnx/model.onnx         inputs input_ids, attention_mask; output logits; dynamic batch and sequence
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
from transformers import BertForSequenceClassification, PreTrainedTokenizerFast
from transformers.utils import logging as transformers_logging

from .errors import TrainerError

ONNX_INPUTS = ["input_ids", "attention_mask"]
TOLERANCE = 1e-4


def save_checkpoint(
    model: BertForSequenceClassification, tokenizer: PreTrainedTokenizerFast, out_dir: Path
) -> Path:
    transformers_logging.disable_progress_bar()  # keep stderr to log lines
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    # transformers 5 records its internal class name; the public one also tells transformers.js which class
    # to use (it strips "Fast" and finds its generic PreTrainedTokenizer).
    config_path = out_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return out_dir


def export_onnx(
    model: BertForSequenceClassification,
    tokenizer: PreTrainedTokenizerFast,
    out_dir: Path,
    sample_texts: list[str],
    max_length: int,
) -> tuple[Path, float]:
    """Export to out_dir/onnx/model.onnx (fp32, opset 17); fail unless onnxruntime matches PyTorch within
    TOLERANCE on the sample texts. Returns the path and the largest absolute logit difference."""
    model = model.to("cpu", torch.float32).eval()
    path = out_dir / "onnx" / "model.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    # trace with padding in the batch, so the attention mask is part of the graph
    trace_inputs = _inputs(tokenizer, sample_texts[:1] + ["a"], max_length)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(
            model,
            (trace_inputs["input_ids"], trace_inputs["attention_mask"]),
            str(path),
            dynamo=False,
            opset_version=17,
            input_names=ONNX_INPUTS,
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "logits": {0: "batch"},
            },
        )
    onnx.checker.check_model(str(path))
    max_abs_diff = verify_onnx(model, tokenizer, path, sample_texts, max_length)
    return path, max_abs_diff


def verify_onnx(
    model: BertForSequenceClassification,
    tokenizer: PreTrainedTokenizerFast,
    path: Path,
    sample_texts: list[str],
    max_length: int,
) -> float:
    """Largest |onnxruntime - PyTorch| logit over several shapes (one text; a padded batch; all texts).
    Raises TrainerError above TOLERANCE."""
    model = model.to("cpu", torch.float32).eval()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    worst = 0.0
    for texts in (sample_texts[:1], sample_texts[:3] + ["short"], sample_texts):
        inputs = _inputs(tokenizer, texts, max_length)
        with torch.no_grad():
            expected = model(**inputs).logits.numpy()
        (actual,) = session.run(["logits"], {name: inputs[name].numpy() for name in ONNX_INPUTS})
        worst = max(worst, float(np.max(np.abs(actual - expected))))
    if not worst <= TOLERANCE:
        raise TrainerError(
            f"ONNX export does not match PyTorch: max abs logit diff {worst:.3g} > {TOLERANCE}"
        )
    return worst


def _inputs(tokenizer: PreTrainedTokenizerFast, texts: list[str], max_length: int) -> dict[str, torch.Tensor]:
    encoded = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    return {name: encoded[name] for name in ONNX_INPUTS}
