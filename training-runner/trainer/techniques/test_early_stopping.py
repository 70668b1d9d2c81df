from __future__ import annotations

from pathlib import Path

from ..conftest import job_dict, keyword_dataset, noise_dataset, train_job
from .early_stopping import EarlyStopping, EarlyStoppingConfig


def test_the_rule_patience_and_threshold() -> None:
    stopper = EarlyStopping(EarlyStoppingConfig(patience=2, threshold=0.05), job=None)  # type: ignore[arg-type]
    losses = [0.7, 0.5, 0.47, 0.52, 0.3, 0.29, 0.28]  # 0.47 improves by less than the threshold
    stops = [stopper.after_eval(10 * i, {"eval_loss": x, "eval_accuracy": 0.0}) for i, x in enumerate(losses)]
    assert stops == [False, False, False, True, False, False, True]
    accuracy = EarlyStopping(EarlyStoppingConfig(patience=1, metric="eval_accuracy"), job=None)  # type: ignore[arg-type]
    assert [accuracy.after_eval(i, {"eval_loss": 0.0, "eval_accuracy": a}) for i, a in enumerate([0.5, 0.6, 0.6])] == [
        False, False, True,
    ]  # fmt: skip


def test_training_stops_on_a_plateau(tmp_path: Path) -> None:
    """Labels drawn at random: nothing to learn, the validation loss plateaus at once."""
    raw = job_dict(noise_dataset(tmp_path / "train.jsonl", 200, 0.5), steps=400, eval_interval=5, log_interval=5)
    raw["techniques"] = [{"name": "early-stopping", "patience": 3, "threshold": 0.01}]
    trained = train_job(raw)
    evals = trained.of("eval")
    stop = trained.of("early_stop")
    assert len(stop) == 1 and stop[0]["step"] == evals[-1]["step"] < 100  # far short of 400 steps
    assert trained.metrics["steps"] == stop[0]["step"]
    losses = [e["loss"] for e in evals]
    best = min(range(len(losses) - 3), key=lambda i: losses[i])
    assert all(x > losses[best] - 0.01 for x in losses[best + 1 :])  # three evaluations without real progress
    assert trained.events[-1]["type"] == "early_stop"


def test_a_run_that_keeps_improving_is_not_stopped(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 200), steps=40, eval_interval=10)
    raw["techniques"] = [{"name": "early-stopping", "patience": 2}]
    trained = train_job(raw)
    assert trained.of("early_stop") == [] and trained.metrics["steps"] == 40
