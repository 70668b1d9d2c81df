// What the benchmarks share in how they report: the median of a set of timings, and the JSON result
// written to bench/results/<name>.json (next to this file, wherever the command is run from).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The median; the mean of the two middle values for an even count. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Writes `result` as bench/results/<name>.json; returns the file's path. */
export function writeResult(name: string, result: unknown): string {
  const dir = join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
