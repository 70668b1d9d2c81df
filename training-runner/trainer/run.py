"""One training job, start to finish: data, tokenizer, training (with snapshots under out/checkpoints when
schedule.checkpoint_interval is set), the final checkpoint, its ONNX export, samples of what a generative
model writes (out/samples.jsonl), events."""

from __future__ import annotations

import json
from pathlib import Path

from .config import JobConfig, config_name
from .data import Example, read_examples, split_validation
from .events import Events
from .techniques import REGISTRY

SAMPLE_TEXTS = 8  # validation texts used to verify the ONNX export


def load_data(job: JobConfig) -> tuple[list[Example], list[Example]]:
    """Both splits, read and checked (pure Python: fails fast, before torch is even imported)."""
    train_set = read_examples(job.data.train, job.task)
    for index, config in enumerate(job.techniques):
        REGISTRY[config_name(config)].check_data(config, train_set, f"techniques.{index}")
    if job.data.validation is not None:
        return train_set, read_examples(job.data.validation, job.task)
    return split_validation(train_set, job.data.validation_fraction, job.schedule.seed)


def run_job(
    job: JobConfig, train_set: list[Example], validation_set: list[Example], out: Path, events: Events
) -> dict[str, float]:
    from .distributed import is_main_process, stop_process_group
    from .models import default_tokenizer
    from .snapshot import load_tokenizer
    from .stages import train_stages
    from .tasks import TASKS
    from .tokenizer import train_tokenizer

    if job.resume_from is not None:  # the snapshot's own tokenizer: the token ids the weights were trained on
        tokenizer = load_tokenizer(job.resume_from)
    else:
        texts = TASKS[job.task.type].texts(train_set)
        kind = default_tokenizer(job.model.base)
        tokenizer = train_tokenizer(texts, job.tokenizer, job.schedule.max_seq_length, kind)
    result = train_stages(job, tokenizer, train_set, validation_set, events, snapshots=out / "checkpoints")
    stop_process_group()
    if not is_main_process():  # under torchrun only rank 0 writes the checkpoint and the export
        return result.metrics
    task = result.task

    model_dir = task.save(result.model, out / "model")
    events.emit("checkpoint", path=str(model_dir))
    samples = task.sample_texts(validation_set[:SAMPLE_TEXTS])
    onnx_path, max_abs_diff = task.export(result.model, model_dir, samples, job.schedule.max_seq_length)
    events.emit("export", path=str(onnx_path), max_abs_diff=max_abs_diff)

    written = task.samples(result.model, validation_set)
    if written:
        with (out / "samples.jsonl").open("w", encoding="utf-8") as file:
            file.writelines(json.dumps(sample) + "\n" for sample in written)

    metrics = {**result.metrics, **task.sample_metrics(written), "onnx_max_abs_diff": max_abs_diff}
    events.emit("done", metrics=metrics)
    return metrics
