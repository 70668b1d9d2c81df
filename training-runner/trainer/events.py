"""Progress as JSON lines: one object a line, each with a "type". The runner (../launch.ts) parses them
against the zod schemas in ../events.ts.

  start       {device, precision, parameters, trainable_parameters, vocab_size, train_examples,
               validation_examples, steps, start_step}    start_step: the snapshot's step when resuming, else 0
  step        {step, loss, lr, grad_norm, tokens_per_s}   loss: mean training loss since the last step event
  eval        {step, loss, accuracy}                      on the validation split
  snapshot    {step, path}                                a resumable snapshot (snapshot.py) was written
  early_stop  {step}                                      early stopping ended training after this step
  checkpoint  {path}                                      the transformers checkpoint folder
  export      {path, max_abs_diff}                        the ONNX file, and its largest logit difference
  done        {metrics}

A multi-stage job (stages.py) adds "stage" (0, 1, ...) to start, step, eval, snapshot and early_stop; a
torchrun run (distributed.py) adds "processes" to start, and only its rank 0 writes events.

Only events go to the stream; logs and warnings go to stderr.
"""

from __future__ import annotations

import json
import math
from typing import Any, TextIO


class Events:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def emit(self, event_type: str, **fields: Any) -> None:
        for name, value in fields.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"event {event_type}: {name} is {value}")
        self._stream.write(json.dumps({"type": event_type, **fields}, allow_nan=False) + "\n")
        self._stream.flush()
