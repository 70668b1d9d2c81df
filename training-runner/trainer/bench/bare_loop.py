"""The reference for bench/runner.ts: a bare PyTorch training loop on transformers'
BertForSequenceClassification with the trainer's own model sizes (trainer.models.MODELS), the same
batch, sequence length, optimizer (AdamW, betas 0.9/0.98), gradient clipping, steps and threads, on
full-length random token ids (the bench's dataset fills every sequence, so tokens = batch x length on
both sides). Prints one JSON object: tokens per second over the steps after the warm-up, and per
window of --window steps (as the trainer's step events report them).

  python -m trainer.bench.bare_loop --base mini-bert --vocab-size 2000 --batch 32 --seq 128 \\
      --steps 60 --warmup-steps 10 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.bench.bare_loop")
    parser.add_argument("--base", default="tiny-bert")
    parser.add_argument("--vocab-size", type=int, required=True)
    parser.add_argument("--labels", type=int, default=2)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--seq", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--warmup-steps", type=int, default=10, help="steps run before the clock starts")
    parser.add_argument("--window", type=int, default=0, help="also report tokens/s per this many steps")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.warmup_steps >= args.steps:
        parser.error("--warmup-steps must be below --steps")

    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from trainer.models import MODELS

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    config = BertConfig(vocab_size=args.vocab_size, type_vocab_size=1, num_labels=args.labels, **MODELS[args.base])
    model = BertForSequenceClassification(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-8, weight_decay=0.01)
    generator = torch.Generator().manual_seed(args.seed)
    batches = [
        (
            torch.randint(5, args.vocab_size, (args.batch, args.seq), generator=generator),
            torch.randint(0, args.labels, (args.batch,), generator=generator),
        )
        for _ in range(8)
    ]
    mask = torch.ones((args.batch, args.seq), dtype=torch.long, device=device)
    autocast = (
        (lambda: torch.autocast("cuda", dtype=torch.bfloat16))
        if device.type == "cuda"
        else (lambda: torch.autocast("cpu", enabled=False))
    )

    model.train()
    started = window_start = 0.0
    windows: list[float] = []
    for step in range(1, args.steps + 1):
        if step == args.warmup_steps + 1:
            if device.type == "cuda":
                torch.cuda.synchronize()
            started = window_start = time.perf_counter()
        input_ids, labels = batches[step % len(batches)]
        with autocast():
            logits = model(input_ids=input_ids.to(device), attention_mask=mask).logits
        loss = torch.nn.functional.cross_entropy(logits.float(), labels.to(device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss.item()  # the trainer reads each step's loss too
        done = step - args.warmup_steps
        if args.window and done > 0 and done % args.window == 0:
            now = time.perf_counter()
            windows.append(args.window * args.batch * args.seq / (now - window_start))
            window_start = now
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    timed = args.steps - args.warmup_steps
    json.dump(
        {
            "tokens_per_s": timed * args.batch * args.seq / seconds,
            "window_tokens_per_s": windows,
            "timed_steps": timed,
            "seconds": seconds,
            "parameters": sum(p.numel() for p in model.parameters()),
            "device": device.type,
            "threads": args.threads,
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
