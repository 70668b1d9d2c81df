"""edgetune's trainer: `python -m trainer --job job.json --out DIR` (with PYTHONPATH=training-runner).

Reads a job (config.py) and a JSONL dataset (data.py), trains a WordPiece tokenizer (tokenizer.py) and a
tiny model (models.py, train.py), writes a transformers checkpoint and a verified ONNX export (export.py),
and reports progress as JSON lines on stdout (events.py). run.py strings the steps together.
"""
