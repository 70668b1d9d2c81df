from __future__ import annotations

from pathlib import Path

from transformers import AutoTokenizer, PreTrainedTokenizerFast

from .config import TokenizerConfig
from .conftest import FILLER, KEYWORDS
from .tokenizer import CLS, PAD, SEP, UNK, train_tokenizer

TEXTS = [" ".join(FILLER[i : i + 7] + [KEYWORDS[i % 4]]) for i in range(len(FILLER))] * 3
CONFIG = TokenizerConfig(vocab_size=300, min_frequency=1)


def test_training_is_reproducible() -> None:
    first = train_tokenizer(TEXTS, CONFIG, max_length=32).backend_tokenizer.to_str()
    second = train_tokenizer(TEXTS, CONFIG, max_length=32).backend_tokenizer.to_str()
    assert first == second


def test_wordpiece_with_bert_framing_and_padding() -> None:
    tokenizer = train_tokenizer(TEXTS, CONFIG, max_length=32)
    vocab = tokenizer.get_vocab()
    assert [vocab[t] for t in (PAD, UNK, CLS, SEP)] == [0, 1, 2, 3]
    assert len(vocab) <= CONFIG.vocab_size + 100  # the learned pieces plus every character both ways
    encoded = tokenizer(["meeting prize", "cash"], padding=True)
    ids = encoded["input_ids"]
    assert set(encoded) == {"input_ids", "attention_mask"}
    assert tokenizer.convert_ids_to_tokens(ids[0]) == [CLS, "meeting", "prize", SEP]
    assert ids[1][-1] == vocab[PAD] and encoded["attention_mask"][1] == [1, 1, 1, 0]
    # an unseen word made of seen letters is split into pieces, not lost to [UNK]
    pieces = tokenizer.tokenize("meetingcash")
    assert UNK not in pieces and len(pieces) > 1 and all(p.startswith("##") for p in pieces[1:])
    decoded = tokenizer.decode(tokenizer("Budget DRAFT")["input_ids"], skip_special_tokens=True)
    assert decoded == "budget draft"


def test_truncation_to_max_length() -> None:
    tokenizer = train_tokenizer(TEXTS, CONFIG, max_length=8)
    ids = tokenizer(" ".join(FILLER), truncation=True)["input_ids"]
    assert len(ids) == 8 and ids[-1] == tokenizer.sep_token_id


def test_saved_tokenizer_reloads_identically(tmp_path: Path) -> None:
    tokenizer = train_tokenizer(TEXTS, CONFIG, max_length=32)
    tokenizer.save_pretrained(tmp_path)
    assert (tmp_path / "tokenizer.json").is_file() and (tmp_path / "tokenizer_config.json").is_file()
    text = ["free cash for the team", "agenda"]
    expected = tokenizer(text, padding=True)["input_ids"]
    assert PreTrainedTokenizerFast.from_pretrained(tmp_path)(text, padding=True)["input_ids"] == expected
    from_file = PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "tokenizer.json"))
    assert from_file(text)["input_ids"][1] == expected[1][:3]
    assert AutoTokenizer.from_pretrained(tmp_path)(text, padding=True)["input_ids"] == expected
