"""Benchmark helpers the TypeScript benches in bench/ run (never imported by the trainer itself)."""
