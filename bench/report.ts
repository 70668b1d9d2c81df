// What the benchmarks share in how they report: the median of a set of timings, and the JSON result
// written to bench/results/<name>.json (next to this file, wherever the command is run from).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export { median } from "../compression/verify/median.ts";

/** Writes `result` as bench/results/<name>.json; returns the file's path. */
export function writeResult(name: string, result: unknown): string {
  const dir = join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
