"""The named tiny model configurations: BERT encoders (classification, masked LM, embeddings) and GPT-2
decoders (causal LM). Sizes live here as plain data, so the job can be checked (max_seq_length against the
model's positions, the task against the model's family) without importing torch."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import BertForMaskedLM, BertForSequenceClassification, BertModel, GPT2LMHeadModel

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


# name -> GPT2Config sizes; the vocabulary size comes from the trained tokenizer.
GPT2_MODELS: dict[str, dict[str, int]] = {
    "tiny-gpt2": {"n_embd": 64, "n_layer": 2, "n_head": 2, "n_inner": 256, "n_positions": 128},
    "mini-gpt2": {"n_embd": 128, "n_layer": 4, "n_head": 4, "n_inner": 512, "n_positions": 512},
}


def family(name: str) -> str:
    """"bert" (an encoder) or "gpt2" (a decoder)."""
    return "gpt2" if name in GPT2_MODELS else "bert"


def models_of(kind: str) -> list[str]:
    return list(GPT2_MODELS if kind == "gpt2" else MODELS)


def default_tokenizer(name: str) -> str:
    """The tokenizer each family was made with: byte-level BPE for GPT-2, WordPiece for BERT."""
    return "bpe" if family(name) == "gpt2" else "wordpiece"


def max_positions(name: str) -> int:
    if name in GPT2_MODELS:
        return GPT2_MODELS[name]["n_positions"]
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


def _bert_config(name: str, vocab_size: int, pad_token_id: int) -> object:
    from transformers import BertConfig

    return BertConfig(vocab_size=vocab_size, type_vocab_size=1, pad_token_id=pad_token_id, **MODELS[name])


def build_masked_lm(name: str, vocab_size: int, pad_token_id: int) -> BertForMaskedLM:
    """A freshly initialised BERT with its masked-LM head (output embeddings tied to the input ones)."""
    from transformers import BertForMaskedLM

    return BertForMaskedLM(_bert_config(name, vocab_size, pad_token_id))  # type: ignore[arg-type]


def build_encoder(name: str, vocab_size: int, pad_token_id: int, pooler: bool = False) -> BertModel:
    """A freshly initialised BERT encoder without a head; with `pooler`, BERT's [CLS] pooler (what its
    classification heads read)."""
    from transformers import BertModel

    return BertModel(_bert_config(name, vocab_size, pad_token_id), add_pooling_layer=pooler)  # type: ignore[arg-type]


def build_causal_lm(name: str, vocab_size: int, pad_token_id: int, eos_token_id: int) -> GPT2LMHeadModel:
    """A freshly initialised GPT-2 with its LM head tied to the token embeddings. Eager attention: the exact
    same computation in training, in the ONNX trace and in onnxruntime."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(
        vocab_size=vocab_size,
        bos_token_id=eos_token_id,
        eos_token_id=eos_token_id,
        pad_token_id=pad_token_id,
        **GPT2_MODELS[name],
    )
    config._attn_implementation = "eager"
    return GPT2LMHeadModel(config)
