// Reading `edgetune eval`'s JSONL files: one JSON object per line, blank lines skipped, and every
// mistake a one-line CliError naming the file and the line (the first zod issue on that line).
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { CliError } from "../errors.ts";

export interface JsonlRow {
  value: unknown;
  line: number;
}

export async function readJsonl(path: string): Promise<JsonlRow[]> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${e.code ?? e.message}`);
  });
  const rows: JsonlRow[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      rows.push({ value: JSON.parse(line), line: index + 1 });
    } catch {
      throw new CliError(`${path}:${index + 1}: not valid JSON`);
    }
  });
  if (rows.length === 0) throw new CliError(`${path}: no examples`);
  return rows;
}

export function parseRow<T>(schema: z.ZodType<T>, path: string, row: JsonlRow): T {
  const parsed = schema.safeParse(row.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${path}:${row.line}: ${issue?.path.join(".") || "line"}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Whether a row is an object holding `field` (how a file's first line tells its kind). */
export function hasField(row: JsonlRow | undefined, field: string): boolean {
  const value = row?.value;
  return typeof value === "object" && value !== null && field in value;
}
