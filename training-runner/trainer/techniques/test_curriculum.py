from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from ..batches import Encoded
from ..config import parse_job
from ..conftest import job_dict, keyword_dataset
from ..errors import JobError
from ..run import load_data
from .curriculum import Curriculum, CurriculumConfig


def paced_batches(
    config: CurriculumConfig, lengths: list[int], steps: int, difficulties: list[float | None] | None = None
) -> list[list[int]]:
    job = SimpleNamespace(schedule=SimpleNamespace(steps=steps))
    count = len(lengths)
    train = Encoded(ids=[[0] * n for n in lengths], labels=[0] * count, weights=[1.0] * count, difficulties=difficulties)
    batches = Curriculum(config, job).batches(train, batch_size=5, seed=0)  # type: ignore[arg-type]
    return [batches.next() for _ in range(steps)]


def test_easy_examples_first_then_the_pool_grows_to_everything() -> None:
    lengths = [100 - i for i in range(100)]  # example i has length 100 - i: the easiest are the last ones
    drawn = paced_batches(CurriculumConfig(start=0.2, full_at=0.5), lengths, steps=40)
    assert all(lengths[i] <= 20 for i in drawn[0])  # step 1: the easiest 20 % (lengths 1..20) only
    pools = [max(lengths[i] for batch in drawn[k : k + 4] for i in batch) for k in range(0, 40, 4)]
    assert pools[0] <= 36 and pools[-1] > 80  # steps 1-4: the pool has grown to 36 %  # harder examples join as the steps pass
    assert all(lengths[i] <= 20 + 80 * (step + 1) / 20 + 1 for step, batch in enumerate(drawn) for i in batch)


def test_a_difficulty_column_orders_the_examples(tmp_path: Path) -> None:
    path = keyword_dataset(tmp_path / "train.jsonl", 40)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for i, line in enumerate(lines):
        line["difficulty"] = -i  # later lines are easier
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    raw = job_dict(path)
    raw["techniques"] = [{"name": "curriculum", "score": "difficulty"}]
    train_set, _ = load_data(parse_job(raw, Path("/")))
    difficulties = [e.difficulty for e in train_set]
    assert len(train_set) == 32
    drawn = paced_batches(CurriculumConfig(score="difficulty", start=0.25), [5] * 32, 100, difficulties)
    easiest = sorted(difficulties)[8]  # type: ignore[type-var]  # step 1's pool: ceil(32 x (0.25 + 0.75 / 50)) = 9
    assert all(difficulties[i] <= easiest for i in drawn[0])  # type: ignore[operator]
    lines[7].pop("difficulty")
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(JobError, match=r'techniques.0.score: "difficulty" needs a "difficulty" on every training line'):
        load_data(parse_job(raw, Path("/")))
