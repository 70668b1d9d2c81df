// Reads a split written by the dataset converters: one {text, label} object per line.
import { readFileSync } from "node:fs";

export interface LabeledExample {
  text: string;
  label: string;
}

export function readLabeledJsonl(path: string, limit = Number.POSITIVE_INFINITY): LabeledExample[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(0, limit)
    .map((line) => JSON.parse(line) as LabeledExample);
}
