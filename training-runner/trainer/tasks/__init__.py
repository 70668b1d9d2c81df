"""The tasks, one module each (base.py says what a task is). TASKS maps the job's task.type to its class;
adding a task = its module, its line here, its config in ../config.py and its zod schema in ../../job.ts."""

from __future__ import annotations

from transformers import PreTrainedTokenizerFast

from ..config import JobConfig
from .base import Task
from .causal_lm import CausalLm
from .classification import Classification
from .embedding import Embedding
from .masked_lm import MaskedLm
from .multi_task import MultiTaskClassification

TASKS: dict[str, type[Task]] = {
    "sequence-classification": Classification,
    "causal-lm": CausalLm,
    "masked-lm": MaskedLm,
    "embedding": Embedding,
    "multi-task": MultiTaskClassification,
}


def task_for(job: JobConfig, tokenizer: PreTrainedTokenizerFast) -> Task:
    return TASKS[job.task.type](job, tokenizer)


__all__ = ["TASKS", "Task", "task_for"]
