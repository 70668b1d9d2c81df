"""Data-parallel training under torchrun (PyTorch's launcher: `torchrun --standalone --nproc_per_node N -m
trainer ...`, or `python -m torch.distributed.run`), with PyTorch's DistributedDataParallel: gloo on CPU,
NCCL on CUDA (one GPU per process, by LOCAL_RANK).

Every process draws the same global batch (same seed, same sampler) and trains on its own contiguous slice of
it; DDP all-reduces the gradients. Each slice's loss is its share of the whole batch's weighted mean, scaled
by the number of processes because DDP averages, so the summed gradient is the single-process one and N
processes reproduce a one-process run with the same global batch (up to float rounding; dropout draws its
masks per slice, so only a run without dropout is equal). Only rank 0 writes events, snapshots, the
checkpoint and the export. Outside torchrun (no WORLD_SIZE) everything here is a no-op."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch


@dataclass
class Distributed:
    rank: int
    world: int
    device: torch.device

    @classmethod
    def from_env(cls, device: torch.device) -> Distributed:
        """Join the torchrun process group when there is one (WORLD_SIZE > 1)."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls(rank=0, world=1, device=device)
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
        if not torch.distributed.is_initialized():
            torch.distributed.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        return cls(rank=torch.distributed.get_rank(), world=torch.distributed.get_world_size(), device=device)

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The module to run forward passes through: DDP around the model (its gradients all-reduced)."""
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def shard(self, size: int) -> tuple[list[int], float]:
        """This process's rows of a batch of `size`, and 1.0; a process left without rows (a short last batch)
        runs row 0 with share 0.0, so that every process still takes part in the all-reduce."""
        rows = torch.arange(size).tensor_split(self.world)[self.rank].tolist()
        return (rows, 1.0) if rows else ([0], 0.0)

    @contextlib.contextmanager
    def no_sync(self, model: torch.nn.Module, last: bool) -> Iterator[None]:
        """Gradient accumulation: all-reduce only on the last micro-batch's backward."""
        if self.world == 1 or last:
            yield
        else:
            with model.no_sync():  # type: ignore[operator]
                yield

    def sum_over_processes(self, *values: float) -> tuple[float, ...]:
        """Each value summed over the processes (the step's loss and token count, for the events)."""
        if self.world == 1:
            return values
        total = torch.tensor(values, dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(total)
        return tuple(total.tolist())



def stop_process_group() -> None:
    """Leave the process group after training (all ranks; rank 0 then exports alone)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def is_main_process() -> bool:
    """Rank 0, or the only process: the one that writes."""
    return int(os.environ.get("RANK", "0")) == 0
