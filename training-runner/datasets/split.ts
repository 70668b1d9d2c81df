// Deterministic, stratified train/validation/test splits, written as JSONL.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface LabeledText {
  text: string;
  label: string;
}

export interface SplitFractions {
  validation: number;
  test: number;
}

export interface Splits<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with a seeded PRNG; returns a new array. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Split each label's examples by the same fractions (so every split has the overall class balance),
 * then shuffle each split so labels are interleaved. */
export function stratifiedSplit<T extends { label: string }>(
  items: readonly T[],
  fractions: SplitFractions,
  seed: number,
): Splits<T> {
  const random = seededRandom(seed);
  const byLabel = new Map<string, T[]>();
  for (const item of items) byLabel.set(item.label, [...(byLabel.get(item.label) ?? []), item]);
  const splits: Splits<T> = { train: [], validation: [], test: [] };
  for (const label of [...byLabel.keys()].sort()) {
    const group = shuffled(byLabel.get(label) ?? [], random);
    const validation = Math.round(group.length * fractions.validation);
    const test = Math.round(group.length * fractions.test);
    splits.validation.push(...group.slice(0, validation));
    splits.test.push(...group.slice(validation, validation + test));
    splits.train.push(...group.slice(validation + test));
  }
  return {
    train: shuffled(splits.train, random),
    validation: shuffled(splits.validation, random),
    test: shuffled(splits.test, random),
  };
}

/** Write one {text, label} object a line (written to a temporary name, then renamed into place). */
export function writeJsonl(path: string, rows: readonly LabeledText[]): void {
  const body = rows.map((row) => JSON.stringify({ text: row.text, label: row.label })).join("\n");
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, rows.length > 0 ? `${body}\n` : "");
  renameSync(temporary, path);
}

export interface SplitPaths {
  train: string;
  validation: string;
  test: string;
}

/** train.jsonl, validation.jsonl and test.jsonl in outDir (created). */
export function writeSplits(outDir: string, splits: Splits<LabeledText>): SplitPaths {
  mkdirSync(outDir, { recursive: true });
  const paths: SplitPaths = {
    train: join(outDir, "train.jsonl"),
    validation: join(outDir, "validation.jsonl"),
    test: join(outDir, "test.jsonl"),
  };
  writeJsonl(paths.train, splits.train);
  writeJsonl(paths.validation, splits.validation);
  writeJsonl(paths.test, splits.test);
  return paths;
}
