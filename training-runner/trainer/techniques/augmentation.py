"""Token-level data augmentation of training batches (in the spirit of EDA, Wei & Zou 2019, without a
thesaurus): each content token of each training example is, independently, replaced by [MASK] with
probability `mask`, swapped with another content token of the same example with probability `swap`, and
dropped with probability `deletion` (an example always keeps at least one content token). [CLS], [SEP] and
padding are never touched, nor are labels and weights. Validation batches never pass through here.

The random draws are seeded by schedule.seed and the step, so a run is reproducible, a resumed run augments
exactly as an uninterrupted one would (no state to snapshot), and every process of a torchrun group augments
the global batch alike."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import JobError
from .base import Technique

if TYPE_CHECKING:
    from ..batches import Encoded
    from ..config import JobConfig


@dataclass(frozen=True)
class AugmentationConfig:
    deletion: float = 0.1
    swap: float = 0.0
    mask: float = 0.0


class Augmentation(Technique):
    name = "augmentation"
    Config = AugmentationConfig
    config: AugmentationConfig

    @classmethod
    def check(cls, config: AugmentationConfig, job: JobConfig, where: str) -> None:
        from ..models import default_tokenizer

        if config.deletion == config.swap == config.mask == 0:
            raise JobError(f"invalid job: {where}: give deletion, swap or mask above 0 (nothing would change)")
        if job.task.type == "causal-lm":
            raise JobError(f"invalid job: {where}: a causal-lm's targets are aligned with its tokens (use another task)")
        if (job.tokenizer.type or default_tokenizer(job.model.base)) != "wordpiece":
            raise JobError(f"invalid job: {where}: augmentation needs the WordPiece tokenizer ([CLS], [SEP], [MASK])")

    def __init__(self, config: AugmentationConfig, job: JobConfig) -> None:
        super().__init__(config, job)
        from ..tokenizer import CLS, MASK, PAD, SEP, SPECIAL_TOKENS

        self.untouchable = {SPECIAL_TOKENS.index(token) for token in (PAD, CLS, SEP)}
        self.mask_id = SPECIAL_TOKENS.index(MASK)

    def training_batch(self, batch: Encoded, step: int) -> Encoded:
        rng = random.Random(f"augmentation/{self.job.schedule.seed}/{step}")
        return dataclasses.replace(batch, ids=[self.augment(example, rng) for example in batch.ids])

    def augment(self, ids: list[int], rng: random.Random) -> list[int]:
        c = self.config
        ids = list(ids)
        content = [i for i, token in enumerate(ids) if token not in self.untouchable]
        if c.mask:
            for i in content:
                if rng.random() < c.mask:
                    ids[i] = self.mask_id
        if c.swap and len(content) > 1:
            for i in content:
                if rng.random() < c.swap:
                    j = rng.choice([k for k in content if k != i])
                    ids[i], ids[j] = ids[j], ids[i]
        if c.deletion:
            dropped = {i for i in content if rng.random() < c.deletion}
            if len(dropped) == len(content) and content:
                dropped.discard(rng.choice(content))
            ids = [token for i, token in enumerate(ids) if i not in dropped]
        return ids
