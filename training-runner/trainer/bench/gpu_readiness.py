"""GPU readiness: train a ~100M-parameter transformer (GPT-2 small or BERT-base sizes, defined below)
from random weights on random tokens with bf16 autocast for a bounded number of steps, and report
tokens/s, peak memory and model FLOPs utilisation (MFU = 6 * N * tokens/s / the device's peak dense bf16
FLOP/s, Kaplan et al.'s training FLOPs per token; the peak comes from PEAK_BF16_TFLOPS by device name,
or --peak-tflops). Without CUDA it says so and exits 0 without measuring anything.

  python -m trainer.bench.gpu_readiness --config gpt2-small --batch 8 --seq 1024 --steps 30 --report out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# name -> transformers config sizes (random init; nothing is downloaded)
CONFIGS: dict[str, dict[str, int | str]] = {
    # GPT-2 small: 124M parameters (tied embeddings)
    "gpt2-small": {"arch": "gpt2", "n_layer": 12, "n_head": 12, "n_embd": 768, "vocab_size": 50257, "n_positions": 1024},
    # BERT-base: 110M parameters, masked-LM head
    "bert-base": {
        "arch": "bert",
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "hidden_size": 768,
        "intermediate_size": 3072,
        "vocab_size": 30522,
        "max_position_embeddings": 512,
    },
}

# Dense bf16 peak of each device, TFLOP/s (vendor data sheets, without sparsity). Matched in order as a
# case-insensitive substring of torch.cuda.get_device_name(), so the more specific names come first.
PEAK_BF16_TFLOPS: list[tuple[str, float]] = [
    ("H200", 989.4),
    ("H100 PCIe", 756.0),
    ("H100", 989.4),  # SXM / NVL
    ("GH200", 989.4),
    ("B200", 2250.0),
    ("A100", 312.0),
    ("A800", 312.0),
    ("L40S", 362.05),
    ("L40", 181.0),
    ("A10G", 70.0),
    ("A10", 125.0),
    ("L4", 121.0),
    ("RTX 4090", 165.2),
    ("RTX 3090", 71.0),
]


def peak_tflops(device_name: str) -> float | None:
    lowered = device_name.lower()
    for key, tflops in PEAK_BF16_TFLOPS:
        if key.lower() in lowered:
            return tflops
    return None


def mfu(parameters: int, tokens_per_s: float, peak: float | None) -> float | None:
    """Model FLOPs utilisation: 6 N FLOPs per trained token (forward 2N, backward 4N) over the peak."""
    if peak is None or peak <= 0:
        return None
    return 6 * parameters * tokens_per_s / (peak * 1e12)


def build(config: str):
    sizes = dict(CONFIGS[config])
    arch = sizes.pop("arch")
    if arch == "gpt2":
        from transformers import GPT2Config, GPT2LMHeadModel

        return GPT2LMHeadModel(GPT2Config(**sizes)), int(sizes["vocab_size"])
    from transformers import BertConfig, BertForMaskedLM

    return BertForMaskedLM(BertConfig(**sizes)), int(sizes["vocab_size"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.bench.gpu_readiness")
    parser.add_argument("--config", choices=sorted(CONFIGS), default="gpt2-small")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup-steps", type=int, default=5)
    parser.add_argument("--peak-tflops", type=float, help="the device's dense bf16 peak (default: from the table)")
    parser.add_argument("--report", type=Path, help="write the JSON report here (only when CUDA ran)")
    args = parser.parse_args(argv)
    if not 0 <= args.warmup_steps < args.steps:
        parser.error("--warmup-steps must be at least 0 and below --steps")

    import torch

    if not torch.cuda.is_available():
        print(f"CUDA is not available (torch {torch.__version__}): no GPU readiness measurement on this machine")
        return 0

    device = torch.device("cuda")
    name = torch.cuda.get_device_name(device)
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = True
    model, vocab = build(args.config)
    model.to(device).train()
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    generator = torch.Generator(device=device).manual_seed(0)
    input_ids = torch.randint(0, vocab, (args.batch, args.seq), device=device, generator=generator)
    torch.cuda.reset_peak_memory_stats(device)

    started = 0.0
    for step in range(args.steps):
        if step == args.warmup_steps:
            torch.cuda.synchronize(device)
            started = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=input_ids, labels=input_ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    torch.cuda.synchronize(device)
    seconds = time.perf_counter() - started
    timed = args.steps - args.warmup_steps
    tokens_per_s = timed * args.batch * args.seq / seconds
    peak = args.peak_tflops if args.peak_tflops is not None else peak_tflops(name)
    report = {
        "device": name,
        "config": args.config,
        "parameters": parameters,
        "batch": args.batch,
        "seq": args.seq,
        "timed_steps": timed,
        "seconds": seconds,
        "tokens_per_s": tokens_per_s,
        "peak_memory_allocated_gib": torch.cuda.max_memory_allocated(device) / 2**30,
        "peak_memory_reserved_gib": torch.cuda.max_memory_reserved(device) / 2**30,
        "peak_bf16_tflops": peak,
        "peak_source": "flag" if args.peak_tflops is not None else ("table" if peak is not None else None),
        "mfu": mfu(parameters, tokens_per_s, peak),
        "final_loss": float(loss.item()),
        "torch": torch.__version__,
    }
    print(json.dumps(report, indent=2))
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
