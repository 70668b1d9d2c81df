"""edgetune's trainer: `python -m trainer --job job.json --out DIR` (with PYTHONPATH=training-runner).

Reads a job (config.py) and a JSONL dataset (data.py), trains a WordPiece tokenizer (tokenizer.py) and a
tiny model (models.py, train.py; data order and padding in batches.py), writes a transformers checkpoint and a
verified ONNX export (export.py), and reports progress as JSON lines on stdout (events.py). run.py strings
the steps together. Techniques (LoRA, freezing, early stopping, weighted loss, dropout, SWA, curriculum; the
optimizers and LR schedules) are one module each under techniques/, plugged into the loop through hooks;
snapshot.py writes and restores resumable snapshots.
"""
