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
