from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ..config import ScheduleConfig
from ..conftest import job_dict, keyword_dataset, train_job
from ..models import build_classifier
from .optimizers import OPTIMIZERS, SignSGD, make_optimizer


def one_step(optimizer_name: str, grad: torch.Tensor, start: torch.Tensor, **schedule: float) -> torch.Tensor:
    """One optimizer step on a single 2x2 weight matrix with a given gradient."""
    model = torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(start)
    optimizer = make_optimizer(model, ScheduleConfig(optimizer=optimizer_name, **schedule))  # type: ignore[arg-type]
    model.weight.grad = grad.clone()
    optimizer.step()
    return model.weight.detach().clone()


START = torch.tensor([[1.0, -2.0], [0.5, 0.0]])
GRAD = torch.tensor([[0.3, -0.001], [-4.0, 0.0]])


def test_sgd_steps_against_the_gradient() -> None:
    after = one_step("sgd", GRAD, START, learning_rate=0.1, momentum=0.0, weight_decay=0.0)
    assert torch.allclose(after, START - 0.1 * GRAD)


def test_signsgd_steps_by_the_sign_only() -> None:
    after = one_step("signsgd", GRAD, START, learning_rate=0.1, momentum=0.0, weight_decay=0.0)
    assert torch.equal(after, START - 0.1 * torch.sign(GRAD))  # a tiny and a huge gradient move alike
    decayed = one_step("signsgd", GRAD, START, learning_rate=0.1, momentum=0.0, weight_decay=0.5)
    assert torch.allclose(decayed, START * (1 - 0.1 * 0.5) - 0.1 * torch.sign(GRAD))


def test_signum_follows_the_sign_of_the_momentum() -> None:
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = SignSGD([weight], lr=1.0, momentum=0.5)
    for grad in ([1.0, 1.0], [-3.0, -0.5]):  # momentum: (0.5, 0.5) then (-1.25, 0.0)
        weight.grad = torch.tensor(grad)
        optimizer.step()
    assert weight.tolist() == [-1.0 + 1.0, -1.0 + 0.0]


def test_adam_and_adamw_differ_only_in_how_they_decay() -> None:
    no_decay = {"learning_rate": 0.01, "weight_decay": 0.0}
    assert torch.equal(one_step("adam", GRAD, START, **no_decay), one_step("adamw", GRAD, START, **no_decay))
    # the first Adam step is lr * sign(gradient) (|m / sqrt(v)| = 1) wherever the gradient is not zero
    first = one_step("adamw", GRAD, START, **no_decay)
    assert torch.allclose(first, START - 0.01 * torch.sign(GRAD), atol=1e-6)
    decay = {"learning_rate": 0.01, "weight_decay": 0.5}
    adamw = one_step("adamw", GRAD, START, **decay)
    assert torch.allclose(adamw, START * (1 - 0.01 * 0.5) - 0.01 * torch.sign(GRAD), atol=1e-6)  # decoupled
    adam = one_step("adam", GRAD, START, **decay)  # L2 in the gradient: moves the zero-gradient entry by lr
    assert adam[1, 1] == 0.0 and adamw[1, 1] == 0.0
    assert torch.allclose(adam[0, 1], torch.tensor(-2.0 + 0.01), atol=1e-6)  # sign of (g + 0.5 * w) = -


def test_the_trainer_steps_with_the_chosen_optimizer(tmp_path: Path) -> None:
    """One SignSGD step through the whole trainer: every weight moves by exactly the learning rate, or not at
    all (no gradient reached it)."""
    raw = job_dict(
        keyword_dataset(tmp_path / "train.jsonl", 40),
        steps=1, warmup_steps=0, eval_interval=1, optimizer="signsgd", momentum=0.0, weight_decay=0.0,
        learning_rate=0.01, grad_clip=1000.0,
    )  # fmt: skip
    trained = train_job(raw)
    torch.manual_seed(trained.job.schedule.seed)
    initial = build_classifier("tiny-bert", len(trained.tokenizer), ("ham", "spam"), 0).state_dict()
    moved = 0
    for name, after in trained.model.state_dict().items():
        step = (after - initial[name]).abs()
        assert torch.all((step < 1e-6) | ((step - 0.01).abs() < 1e-6)), name
        moved += int((step > 0.005).sum())
    assert moved > 10_000


@pytest.mark.parametrize(
    ("name", "learning_rate", "final_eval_loss"), [("adam", 0.003, 0.1), ("adamw", 0.003, 0.1), ("signsgd", 0.002, 0.55)]
)
def test_adaptive_and_sign_optimizers_train_the_model(
    tmp_path: Path, name: str, learning_rate: float, final_eval_loss: float
) -> None:
    """From chance (about ln 2) down. Plain SGD is left out: it does not train this randomly initialised
    transformer in a few dozen steps at any learning rate we tried (0.03 to 1, with and without momentum); its
    update rule is tested above."""
    raw = job_dict(
        keyword_dataset(tmp_path / "train.jsonl", 200),
        steps=60, eval_interval=20, optimizer=name, learning_rate=learning_rate, weight_decay=0.0,
    )  # fmt: skip
    evals = train_job(raw).of("eval")
    assert evals[0]["loss"] > 0.65 and evals[-1]["loss"] < final_eval_loss


def test_frozen_parameters_are_left_out_and_decay_hits_matrices_only() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4), torch.nn.Linear(4, 2))
    model[2].weight.requires_grad_(False)
    for name in OPTIMIZERS:
        decayed, not_decayed = make_optimizer(model, ScheduleConfig(optimizer=name)).param_groups  # type: ignore[arg-type]
        assert [p.shape for p in decayed["params"]] == [(4, 3)] and decayed["weight_decay"] == 0.01
        assert len(not_decayed["params"]) == 4 and not_decayed["weight_decay"] == 0.0
