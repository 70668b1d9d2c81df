from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from . import train as train_module
from .batches import Batches
from .config import TokenizerConfig, parse_job
from .conftest import Trained, job_dict, keyword_dataset, train_job
from .errors import JobError
from .precision import MixedPrecision, Precision
from .snapshot import Resumable, load_snapshot, load_tokenizer, save_snapshot
from .techniques import Hooks
from .tokenizer import train_tokenizer


def resumed_at_4(whole: Trained, raw: dict, folder: Path, tmp_path: Path) -> Trained:
    """The run resumed from `folder` (its step-4 snapshot); asserts it replays what `whole` did after step 4,
    events and final weights."""
    resumed = train_job({**raw, "resume_from": str(folder)}, snapshots=tmp_path / "again", tokenizer=load_tokenizer(folder))
    after_4 = [e for e in whole.events if e["type"] in ("step", "eval") and e["step"] > 4]
    assert [e for e in resumed.events if e["type"] in ("step", "eval")] == after_4
    final, reference = resumed.model.state_dict(), whole.model.state_dict()
    assert set(final) == set(reference) and all(torch.equal(final[n], reference[n]) for n in final)
    return resumed


@pytest.mark.parametrize(
    "techniques",
    [
        [],
        [{"name": "lora", "r": 2}, {"name": "early-stopping", "patience": 9}],
        [{"name": "curriculum"}, {"name": "swa", "start": 0.25}],
    ],
)
def test_a_resumed_run_continues_the_same_loss_curve(tmp_path: Path, techniques: list) -> None:
    """Uninterrupted: 12 steps, snapshots at 4 and 8. Resumed from step 4: the same events from step 5 on,
    bit for bit (dropout on, so the RNG state matters), and the same final weights."""
    raw = job_dict(
        keyword_dataset(tmp_path / "train.jsonl", 90),
        steps=12, warmup_steps=3, log_interval=1, eval_interval=3, batch_size=16, checkpoint_interval=4,
        lr_schedule="cosine",
    )  # fmt: skip
    raw["techniques"] = techniques
    whole = train_job(raw, snapshots=tmp_path / "checkpoints")
    snapshots = whole.of("snapshot")
    assert [s["step"] for s in snapshots] == [4, 8]
    folder = Path(snapshots[0]["path"])
    for name in ("model.safetensors", "trainer.pt", "tokenizer.json", "state.json"):
        assert (folder / name).is_file(), name

    resumed = resumed_at_4(whole, raw, folder, tmp_path)
    assert resumed.of("start")[0]["start_step"] == 4
    assert [s["step"] for s in resumed.of("snapshot")] == [8]


def test_resume_from_must_be_a_complete_snapshot_within_the_run(tmp_path: Path) -> None:
    raw = job_dict(keyword_dataset(tmp_path / "train.jsonl", 20), steps=10, warmup_steps=1)
    with pytest.raises(JobError, match=r"invalid job: resume_from: .* is not a complete snapshot \(no readable state.json\)"):
        parse_job({**raw, "resume_from": str(tmp_path)}, Path("/"))
    (tmp_path / "state.json").write_text(json.dumps({"step": 10}))
    with pytest.raises(JobError, match="invalid job: resume_from: the snapshot is at step 10, the job has 10 steps"):
        parse_job({**raw, "resume_from": str(tmp_path)}, Path("/"))


def test_a_resumed_masked_lm_run_draws_the_same_masks(tmp_path: Path) -> None:
    """Masked LM draws each batch's masks at random: a resumed run must draw the same ones (RNG state in the
    snapshot), so its loss curve and weights match the uninterrupted run's exactly."""
    train = tmp_path / "train.jsonl"
    texts = [json.loads(line)["text"] for line in keyword_dataset(tmp_path / "k.jsonl", 90).read_text().splitlines()]
    train.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    raw = job_dict(
        train, steps=8, warmup_steps=2, log_interval=1, eval_interval=4, batch_size=16, checkpoint_interval=4
    )
    raw["task"] = {"type": "masked-lm"}
    whole = train_job(raw, snapshots=tmp_path / "checkpoints")
    folder = Path(whole.of("snapshot")[0]["path"])
    resumed_at_4(whole, raw, folder, tmp_path)


def small_run(scaler: torch.amp.GradScaler) -> Resumable:
    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    return Resumable(model, optimizer, scheduler, Batches(8, 2, seed=0), Hooks([]), scaler)


def scaler_steps(run: Resumable, overflows: list[bool]) -> None:
    """Real scaler steps on the small model; an overflowing one has an inf gradient, as an fp16 overflow has."""
    for overflow in overflows:
        run.scaler.scale(run.model(torch.ones(1, 4)).sum()).backward()
        if overflow:
            run.model.weight.grad[0, 0] = float("inf")
        run.scaler.step(run.optimizer)
        run.scaler.update()
        run.optimizer.zero_grad(set_to_none=True)


def test_a_snapshot_carries_the_gradient_scalers_scale_and_growth_tracker(tmp_path: Path) -> None:
    tokenizer = train_tokenizer(["a small text", "another one"], TokenizerConfig(vocab_size=50, min_frequency=1), 8)
    moved = small_run(torch.amp.GradScaler("cpu", growth_interval=5))
    scaler_steps(moved, [True, True, False, False])  # two backoffs, then two clean steps towards growing
    assert (moved.scaler.get_scale(), moved.scaler.state_dict()["_growth_tracker"]) == (2.0**14, 2)
    folder = save_snapshot(tmp_path, 4, moved, tokenizer, [0.5])

    fresh = small_run(torch.amp.GradScaler("cpu"))  # starts at 2**16, tracker 0, growth interval 2000
    assert load_snapshot(folder, fresh) == (4, [0.5])
    assert fresh.scaler.state_dict() == moved.scaler.state_dict()
    assert (fresh.scaler.get_scale(), fresh.scaler.state_dict()["_growth_tracker"]) == (2.0**14, 2)
    scaler_steps(moved, [False] * 3)  # both grow at the same step: the 5th clean one in a row
    scaler_steps(fresh, [False] * 3)
    assert fresh.scaler.get_scale() == moved.scaler.get_scale() == 2.0**15


def test_a_snapshot_without_scaler_state_still_loads(tmp_path: Path) -> None:
    """fp32/bf16 runs save a disabled scaler's empty state, older snapshots none at all: both load, into a
    disabled scaler, and into an enabled one (an fp16 run), which then keeps its initial scale."""
    tokenizer = train_tokenizer(["a small text", "another one"], TokenizerConfig(vocab_size=50, min_frequency=1), 8)
    fp32 = small_run(torch.amp.GradScaler("cpu", enabled=False))
    disabled = save_snapshot(tmp_path / "disabled", 3, fp32, tokenizer, [])
    assert torch.load(disabled / "trainer.pt", weights_only=True)["scaler"] == {}
    older = save_snapshot(tmp_path / "older", 3, fp32, tokenizer, [])
    state = torch.load(older / "trainer.pt", weights_only=True)
    del state["scaler"]
    torch.save(state, older / "trainer.pt")

    for folder in (disabled, older):
        again = small_run(torch.amp.GradScaler("cpu", enabled=False))
        assert load_snapshot(folder, again) == (3, [])
        assert not again.scaler.is_enabled()
        fp16 = small_run(torch.amp.GradScaler("cpu"))
        assert load_snapshot(folder, fp16) == (3, [])
        assert (fp16.scaler.get_scale(), fp16.scaler.state_dict()["_growth_tracker"]) == (2.0**16, 0)


@pytest.mark.parametrize(
    ("init_scale", "growth_interval"),
    [
        (2.0**24, 2000),  # too high at first: steps 1-5 overflow and back off, the snapshot at 4 is at 2**20
        (2.0**16, 3),  # grows every 3rd clean step until step 10 overflows; at step 4 the tracker is at 1
    ],
)
def test_a_resumed_fp16_run_skips_the_same_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, init_scale: float, growth_interval: int
) -> None:
    """The trainer's own loop under fp16, resumed at step 4 = uninterrupted, bit for bit, overflows included.
    Jobs refuse fp16 on CPU (config.py, precision.py: fp16 is for CUDA), but torch runs float16 autocast and a
    GradScaler on CPU too, so the loop's precision is swapped for that real CPU fp16 (nothing else is); the
    scaler's settings make its state matter within 12 steps, as a real fp16 run's does over thousands."""

    def cpu_fp16(device: torch.device, requested: Precision) -> MixedPrecision:
        scaler = torch.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=growth_interval)
        return MixedPrecision("fp16", lambda: torch.autocast("cpu", dtype=torch.float16), scaler)

    monkeypatch.setattr(train_module, "mixed_precision", cpu_fp16)
    raw = job_dict(
        keyword_dataset(tmp_path / "train.jsonl", 90),
        steps=12, warmup_steps=3, log_interval=1, eval_interval=3, batch_size=16, checkpoint_interval=4,
        lr_schedule="cosine",
    )  # fmt: skip
    whole = train_job(raw, snapshots=tmp_path / "checkpoints")
    assert whole.of("start")[0]["precision"] == "fp16"
    skipped = [e["step"] for e in whole.of("step") if e["grad_norm"] == 0.0]  # overflowed: no update
    assert any(step > 4 for step in skipped)  # a resume at the initial scale/tracker would skip others
    folder = Path(whole.of("snapshot")[0]["path"])
    saved = torch.load(folder / "trainer.pt", weights_only=True)["scaler"]
    assert (saved["scale"], saved["_growth_tracker"]) != (init_scale, 0)

    resumed_at_4(whole, raw, folder, tmp_path)
