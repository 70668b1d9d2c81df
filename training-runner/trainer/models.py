"""The named tiny model configurations. Sizes live here as plain data, so the job can be checked
(max_seq_length against max_position_embeddings) without importing torch."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import BertForSequenceClassification

# name -> BertConfig sizes; the vocabulary size comes from the trained tokenizer.
MODELS: dict[str, dict[str, int]] = {
    "tiny-bert": {
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 128,
        "max_position_embeddings": 128,
    },
    "mini-bert": {
        "hidden_size": 128,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "intermediate_size": 512,
        "max_position_embeddings": 512,
    },
}


def max_positions(name: str) -> int:
    return MODELS[name]["max_position_embeddings"]


def parameter_names(name: str) -> list[str]:
    """The classifier's parameter names, in order, without building it (test_models checks them against
    transformers): techniques check their name patterns against these before any compute."""
    names = [f"bert.embeddings.{part}.weight" for part in ("word_embeddings", "position_embeddings")]
    names += ["bert.embeddings.token_type_embeddings.weight", *_affine("bert.embeddings.LayerNorm")]
    for layer in range(MODELS[name]["num_hidden_layers"]):
        prefix = f"bert.encoder.layer.{layer}."
        for module in ENCODER_LINEAR_MODULES:
            names += _affine(prefix + module)
            if module == "attention.output.dense":
                names += _affine(prefix + "attention.output.LayerNorm")
        names += _affine(prefix + "output.LayerNorm")
    return names + [*_affine("bert.pooler.dense"), *_affine("classifier")]


def linear_module_names(name: str) -> list[str]:
    """The classifier's nn.Linear modules (what LoRA can adapt), without building it."""
    layers = range(MODELS[name]["num_hidden_layers"])
    encoder = [f"bert.encoder.layer.{i}.{module}" for i in layers for module in ENCODER_LINEAR_MODULES]
    return [*encoder, "bert.pooler.dense", "classifier"]


def num_layers(name: str) -> int:
    return MODELS[name]["num_hidden_layers"]


ENCODER_LINEAR_MODULES = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


def _affine(module: str) -> list[str]:
    return [f"{module}.weight", f"{module}.bias"]


def build_classifier(
    name: str, vocab_size: int, labels: tuple[str, ...], pad_token_id: int
) -> BertForSequenceClassification:
    """A freshly initialised BERT classifier (weights from torch's current RNG state)."""
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=vocab_size,
        type_vocab_size=1,  # single-segment inputs: no token_type_ids needed
        pad_token_id=pad_token_id,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        problem_type="single_label_classification",
        **MODELS[name],
    )
    return BertForSequenceClassification(config)
