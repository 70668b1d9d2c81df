from __future__ import annotations

import torch

from ..models import build_classifier
from .dropout import Dropout, DropoutConfig


def forward_twice(config: DropoutConfig) -> tuple[torch.Tensor, torch.Tensor, torch.nn.Module]:
    torch.manual_seed(0)
    model = Dropout(config, job=None).model(build_classifier("tiny-bert", 100, ("a", "b"), 0))  # type: ignore[arg-type]
    model.train()
    ids = torch.randint(5, 100, (4, 12))
    mask = torch.ones_like(ids)
    return model(input_ids=ids, attention_mask=mask).logits, model(input_ids=ids, attention_mask=mask).logits, model


def test_no_dropout_makes_training_forwards_deterministic() -> None:
    first, second, model = forward_twice(DropoutConfig(hidden=0.0, attention=0.0))
    assert torch.equal(first, second)
    assert model.config.hidden_dropout_prob == 0.0


def test_the_probabilities_reach_every_dropout_layer() -> None:
    first, second, model = forward_twice(DropoutConfig(hidden=0.3, attention=0.2))
    assert not torch.equal(first, second)
    ps = {name: m.p for name, m in model.named_modules() if isinstance(m, torch.nn.Dropout)}
    assert ps["bert.encoder.layer.0.attention.self.dropout"] == 0.2
    assert {p for name, p in ps.items() if "attention.self" not in name} == {0.3}
    dropout = model.get_submodule("bert.embeddings.dropout")
    zeroed = float((dropout(torch.ones(100_000)) == 0).float().mean())
    assert abs(zeroed - 0.3) < 0.01
