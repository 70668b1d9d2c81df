"""The trainer's own failures: each carries a one-line message for stderr."""


class TrainerError(Exception):
    """A failure the trainer explains in one line (exit code 1)."""


class JobError(TrainerError):
    """Bad input: a job field or a dataset line. Raised before any compute (exit code 2)."""
