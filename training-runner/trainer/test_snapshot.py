from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from .config import parse_job
from .conftest import job_dict, keyword_dataset, train_job
from .errors import JobError
from .snapshot import load_tokenizer


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

    resumed = train_job({**raw, "resume_from": str(folder)}, snapshots=tmp_path / "again", tokenizer=load_tokenizer(folder))
    assert resumed.of("start")[0]["start_step"] == 4
    after_4 = [e for e in whole.events if e["type"] in ("step", "eval") and e["step"] > 4]
    assert [e for e in resumed.events if e["type"] in ("step", "eval")] == after_4
    assert [s["step"] for s in resumed.of("snapshot")] == [8]
    final, reference = resumed.model.state_dict(), whole.model.state_dict()
    assert set(final) == set(reference) and all(torch.equal(final[n], reference[n]) for n in final)


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
    again = {**raw, "resume_from": str(folder)}
    resumed = train_job(again, snapshots=tmp_path / "again", tokenizer=load_tokenizer(folder))
    after_4 = [e for e in whole.events if e["type"] in ("step", "eval") and e["step"] > 4]
    assert [e for e in resumed.events if e["type"] in ("step", "eval")] == after_4
    final, reference = resumed.model.state_dict(), whole.model.state_dict()
    assert all(torch.equal(final[n], reference[n]) for n in final)
