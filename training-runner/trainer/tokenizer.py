"""A tokenizer trained on the training texts with HF `tokenizers`, wrapped as a transformers
PreTrainedTokenizerFast: WordPiece for BERT models, byte-level BPE (GPT-2's scheme: every byte is in the
alphabet, so no text is ever unknown, and decoding gives the text back) for GPT-2 models. Saved, it is
tokenizer.json + tokenizer_config.json, which transformers and tokenizers.js / transformers.js both load.

HF's WordPieceTrainer is not reproducible: it numbers the "##x" pieces in hash-map order, and that order
breaks ties between equally frequent merges, so two runs learn different vocabularies. Instead we train the
same BPE merges on words marked with a start symbol (all symbols are then numbered by frequency, so the
trainer is deterministic), and read the result as WordPiece: a piece with the start symbol begins a word, any
other piece continues one ("##piece")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from .config import TokenizerConfig

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIAL_TOKENS = [PAD, UNK, CLS, SEP, MASK]  # ids 0..4, in this order
WORD_START = "\ue000"  # a private-use character: marks the first piece of a word while training
CONTINUATION = "##"


BPE_PAD, BPE_EOS = "<|pad|>", "<|endoftext|>"  # ids 0 and 1 of a BPE vocabulary


def train_tokenizer(
    texts: Iterable[str], config: TokenizerConfig, max_length: int, default: str = "wordpiece"
) -> PreTrainedTokenizerFast:
    """Train the kind config.type names (when unset: `default`, the model's own kind)."""
    if (config.type or default) == "bpe":
        return train_bpe_tokenizer(texts, config, max_length)
    return train_wordpiece_tokenizer(texts, config, max_length)


def train_bpe_tokenizer(texts: Iterable[str], config: TokenizerConfig, max_length: int) -> PreTrainedTokenizerFast:
    """Byte-level BPE; <|endoftext|> ends a document (and a completion), <|pad|> pads (never a target)."""
    tokenizer = Tokenizer(models.BPE())
    if config.lowercase:
        tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=config.vocab_size,
        min_frequency=config.min_frequency,
        special_tokens=[BPE_PAD, BPE_EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BPE_EOS,
        eos_token=BPE_EOS,
        unk_token=BPE_EOS,
        pad_token=BPE_PAD,
        model_max_length=max_length,
        padding_side="right",
        truncation_side="right",
        model_input_names=["input_ids", "attention_mask"],
    )


def train_wordpiece_tokenizer(
    texts: Iterable[str], config: TokenizerConfig, max_length: int
) -> PreTrainedTokenizerFast:
    normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=config.lowercase
    )
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    vocab = _learn_vocab(_marked_words(texts, normalizer, pre_tokenizer), config)

    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token=UNK, max_input_chars_per_word=100))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{CLS} $A {SEP}",
        pair=f"{CLS} $A {SEP} $B:1 {SEP}:1",
        special_tokens=[(CLS, vocab[CLS]), (SEP, vocab[SEP])],
    )
    tokenizer.decoder = decoders.WordPiece(prefix=CONTINUATION)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token=UNK,
        pad_token=PAD,
        cls_token=CLS,
        sep_token=SEP,
        mask_token=MASK,
        model_max_length=max_length,
        padding_side="right",
        truncation_side="right",
        model_input_names=["input_ids", "attention_mask"],
    )


def _marked_words(
    texts: Iterable[str], normalizer: normalizers.Normalizer, pre_tokenizer: pre_tokenizers.PreTokenizer
) -> Iterator[str]:
    """Each text as its words, each word led by WORD_START, separated by spaces."""
    for text in texts:
        words = pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))
        yield " ".join(WORD_START + word for word, _ in words)


def _learn_vocab(marked_texts: Iterator[str], config: TokenizerConfig) -> dict[str, int]:
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(
        vocab_size=config.vocab_size, min_frequency=config.min_frequency, show_progress=False
    )
    bpe.train_from_iterator(marked_texts, trainer=trainer)
    learned = sorted(bpe.get_vocab().items(), key=lambda item: item[1])

    pieces: list[str] = list(SPECIAL_TOKENS)
    for symbol, _ in learned:
        if symbol == WORD_START:
            continue
        if symbol.startswith(WORD_START):
            pieces.append(symbol[len(WORD_START) :])
        else:
            pieces.append(CONTINUATION + symbol)
    # every single character, alone or continuing, so that no seen word becomes [UNK]
    characters = [symbol for symbol, _ in learned if len(symbol) == 1 and symbol != WORD_START]
    pieces += characters + [CONTINUATION + c for c in characters]
    vocab: dict[str, int] = {}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    return vocab
