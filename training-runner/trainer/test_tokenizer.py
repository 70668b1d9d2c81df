from __future__ import annotations

from pathlib import Path

from transformers import AutoTokenizer, PreTrainedTokenizerFast

from .config import TokenizerConfig
from .conftest import FILLER, KEYWORDS
from .tokenizer import BPE_EOS, BPE_PAD, CLS, PAD, SEP, UNK, train_tokenizer

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


BPE = TokenizerConfig(type="bpe", vocab_size=500, min_frequency=1, lowercase=False)


def test_bpe_training_is_reproducible_and_learns_merges() -> None:
    first = train_tokenizer(TEXTS, BPE, max_length=32)
    assert first.backend_tokenizer.to_str() == train_tokenizer(TEXTS, BPE, max_length=32).backend_tokenizer.to_str()
    vocab = first.get_vocab()
    assert [vocab[t] for t in (BPE_PAD, BPE_EOS)] == [0, 1] and 258 < len(vocab) <= BPE.vocab_size
    # frequent words become single tokens (GPT-2 marks a leading space with "Ġ"); no framing tokens are added
    assert first.tokenize(" meeting report") == ["Ġmeeting", "Ġreport"]
    assert first(" meeting report")["input_ids"] == first.convert_tokens_to_ids(["Ġmeeting", "Ġreport"])


def test_bpe_round_trips_any_text_byte_for_byte() -> None:
    tokenizer = train_tokenizer(TEXTS, BPE, max_length=64)
    for text in ["Free CASH!!  now\n\tok", "naïve café — 東京 🙂", " leading space"]:
        ids = tokenizer(text)["input_ids"]
        assert tokenizer.unk_token_id not in ids  # every byte is in the alphabet: nothing is unknown
        assert tokenizer.decode(ids) == text


def test_the_model_family_picks_the_tokenizer_unless_the_job_does() -> None:
    unset = TokenizerConfig(vocab_size=300, min_frequency=1)
    assert train_tokenizer(TEXTS, unset, 32, default="bpe").pad_token == BPE_PAD
    assert train_tokenizer(TEXTS, unset, 32, default="wordpiece").pad_token == PAD
    assert train_tokenizer(TEXTS, BPE, 32, default="wordpiece").pad_token == BPE_PAD
