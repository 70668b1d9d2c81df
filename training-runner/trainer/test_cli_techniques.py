"""Techniques through `python -m trainer`: a LoRA run resumed from a snapshot, exporting the merged model;
and a bad technique rejected before any compute."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import job_dict, keyword_dataset, run_cli, train_job


def test_the_cli_resumes_a_lora_run_and_exports_the_merged_model(tmp_path: Path) -> None:
    """The whole run in this process (with snapshots); the CLI resumes its step-8 snapshot and must end with
    the same numbers, then checkpoint and export the merged model."""
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 120), steps=16, eval_interval=8, checkpoint_interval=8)
    raw["techniques"] = [{"name": "lora", "r": 4}, {"name": "dropout", "hidden": 0.05}]
    whole = train_job(raw, snapshots=tmp_path / "checkpoints")
    (snapshot,) = whole.of("snapshot")
    assert snapshot == {"type": "snapshot", "step": 8, "path": str(tmp_path / "checkpoints" / "step-000008")}

    resumed = run_cli({**raw, "resume_from": snapshot["path"]}, tmp_path / "resumed", tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    events = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert events[0]["start_step"] == 8 and events[0]["trainable_parameters"] < events[0]["parameters"] / 10
    done = events[-1]["metrics"]
    for key in ("train_loss", "eval_loss", "eval_accuracy", "steps"):
        assert done[key] == whole.metrics[key], key
    model_dir = tmp_path / "resumed" / "model"  # merged: a plain BERT checkpoint, and a verified ONNX export
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["BertForSequenceClassification"] and config["hidden_dropout_prob"] == 0.05
    assert not (model_dir / "adapter_config.json").exists() and (model_dir / "onnx" / "model.onnx").is_file()
    assert done["onnx_max_abs_diff"] <= 1e-4


def test_an_unknown_technique_fails_before_training(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 20))
    raw["techniques"] = [{"name": "sam"}]
    done = run_cli(raw, tmp_path / "out", tmp_path)
    assert done.returncode == 2 and done.stdout == "" and not (tmp_path / "out").exists()
    assert done.stderr == (
        "trainer: invalid job: techniques.0.name: 'sam' is not a technique "
        "(known: lora, freeze, early-stopping, weighted-loss, dropout, swa, curriculum, adapters, augmentation)\n"
    )
