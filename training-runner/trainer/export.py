"""The final checkpoint (transformers' save_pretrained) and its ONNX export, verified against PyTorch.

Layout, like a Hugging Face Hub repository (transformers.js loads it as is):
  model/config.json             with id2label / label2id (classification)
  model/model.safetensors
  model/tokenizer.json, model/tokenizer_config.json
  model/generation_config.json  (causal LM: eos, pad, bos token ids)
  model/onnx/model.onnx         inputs input_ids, attention_mask; the task's outputs (logits, or
                                last_hidden_state + sentence_embedding); dynamic batch and sequence
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
from transformers import PreTrainedTokenizerFast
from transformers.utils import logging as transformers_logging

from .errors import TrainerError

ONNX_INPUTS = ["input_ids", "attention_mask"]
TOLERANCE = 1e-4


def save_checkpoint(model: torch.nn.Module, tokenizer: PreTrainedTokenizerFast, out_dir: Path) -> Path:
    transformers_logging.disable_progress_bar()  # keep stderr to log lines
    model.save_pretrained(out_dir, safe_serialization=True)  # type: ignore[operator]
    tokenizer.save_pretrained(out_dir)
    # transformers 5 records its internal class name; the public one also tells transformers.js which class
    # to use (it strips "Fast" and finds its generic PreTrainedTokenizer).
    config_path = out_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return out_dir


class _Outputs(torch.nn.Module):
    """The model's named outputs as a tuple (what the ONNX tracer takes)."""

    def __init__(self, model: torch.nn.Module, names: tuple[str, ...]) -> None:
        super().__init__()
        self.model, self.names = model, names

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return tuple(outputs[name] for name in self.names)


def export_onnx(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerFast,
    out_dir: Path,
    sample_texts: list[str],
    max_length: int,
    outputs: tuple[str, ...] = ("logits",),
) -> tuple[Path, float]:
    """Export the model's `outputs` to out_dir/onnx/model.onnx (fp32, opset 17); fail unless onnxruntime
    matches PyTorch within TOLERANCE on the sample texts. Returns the path and the largest absolute
    difference."""
    model = model.to("cpu", torch.float32).eval()
    path = out_dir / "onnx" / "model.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    # trace with padding in the batch, so the attention mask is part of the graph
    trace_inputs = _inputs(tokenizer, sample_texts[:1] + ["a"], max_length)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(
            _Outputs(model, outputs),
            (trace_inputs["input_ids"], trace_inputs["attention_mask"]),
            str(path),
            dynamo=False,
            opset_version=17,
            input_names=ONNX_INPUTS,
            output_names=list(outputs),
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                **_output_axes(_Outputs(model, outputs), trace_inputs, outputs),
            },
        )
    onnx.checker.check_model(str(path))
    max_abs_diff = verify_onnx(model, tokenizer, path, sample_texts, max_length, outputs)
    return path, max_abs_diff


def _output_axes(
    model: torch.nn.Module, inputs: dict[str, torch.Tensor], names: tuple[str, ...]
) -> dict[str, dict[int, str]]:
    """Each output's dynamic axes: batch, and sequence for per-token outputs ([batch, sequence, ...])."""
    with torch.no_grad():
        values = model(**inputs)
    axes = ({0: "batch", 1: "sequence"} if v.dim() >= 3 else {0: "batch"} for v in values)
    return dict(zip(names, axes, strict=True))


def verify_onnx(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerFast,
    path: Path,
    sample_texts: list[str],
    max_length: int,
    outputs: tuple[str, ...] = ("logits",),
) -> float:
    """Largest |onnxruntime - PyTorch| over every output and several shapes (one text; a padded batch; all
    texts). Raises TrainerError above TOLERANCE."""
    model = model.to("cpu", torch.float32).eval()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    worst = 0.0
    for texts in (sample_texts[:1], sample_texts[:3] + ["short"], sample_texts):
        inputs = _inputs(tokenizer, texts, max_length)
        with torch.no_grad():
            expected = _Outputs(model, outputs)(**inputs)
        actual = session.run(list(outputs), {name: inputs[name].numpy() for name in ONNX_INPUTS})
        for mine, theirs in zip(actual, expected, strict=True):
            worst = max(worst, float(np.max(np.abs(mine - theirs.numpy()))))
    if not worst <= TOLERANCE:
        what = "logit" if outputs == ("logits",) else "output"
        raise TrainerError(f"ONNX export does not match PyTorch: max abs {what} diff {worst:.3g} > {TOLERANCE}")
    return worst


def _inputs(tokenizer: PreTrainedTokenizerFast, texts: list[str], max_length: int) -> dict[str, torch.Tensor]:
    encoded = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    return {name: encoded[name] for name in ONNX_INPUTS}
