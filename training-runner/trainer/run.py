"""One training job, start to finish: data, tokenizer, training (with snapshots under out/checkpoints when
schedule.checkpoint_interval is set), the final checkpoint, its ONNX export, events."""

from __future__ import annotations

from pathlib import Path

from .config import JobConfig, config_name
from .data import Example, read_examples, split_validation
from .events import Events
from .techniques import REGISTRY

SAMPLE_TEXTS = 8  # validation texts used to verify the ONNX export


def load_data(job: JobConfig) -> tuple[list[Example], list[Example]]:
    """Both splits, read and checked (pure Python: fails fast, before torch is even imported)."""
    train_set = read_examples(job.data.train, job.task.labels)
    for index, config in enumerate(job.techniques):
        REGISTRY[config_name(config)].check_data(config, train_set, f"techniques.{index}")
    if job.data.validation is not None:
        return train_set, read_examples(job.data.validation, job.task.labels)
    return split_validation(train_set, job.data.validation_fraction, job.schedule.seed)


def run_job(
    job: JobConfig, train_set: list[Example], validation_set: list[Example], out: Path, events: Events
) -> dict[str, float]:
    from .distributed import is_main_process, stop_process_group
    from .export import export_onnx, save_checkpoint
    from .snapshot import load_tokenizer
    from .stages import train_stages
    from .tokenizer import train_tokenizer

    if job.resume_from is not None:  # the snapshot's own tokenizer: the token ids the weights were trained on
        tokenizer = load_tokenizer(job.resume_from)
    else:
        tokenizer = train_tokenizer((e.text for e in train_set), job.tokenizer, job.schedule.max_seq_length)
    result = train_stages(job, tokenizer, train_set, validation_set, events, snapshots=out / "checkpoints")
    stop_process_group()
    if not is_main_process():  # under torchrun only rank 0 writes the checkpoint and the export
        return result.metrics

    model_dir = save_checkpoint(result.model, tokenizer, out / "model")
    events.emit("checkpoint", path=str(model_dir))
    samples = [e.text for e in validation_set[:SAMPLE_TEXTS]]
    onnx_path, max_abs_diff = export_onnx(
        result.model, tokenizer, model_dir, samples, job.schedule.max_seq_length
    )
    events.emit("export", path=str(onnx_path), max_abs_diff=max_abs_diff)

    metrics = {**result.metrics, "onnx_max_abs_diff": max_abs_diff}
    events.emit("done", metrics=metrics)
    return metrics
