// The data files of `edgetune compress`, read and checked before any work: --calibration and
// --eval are JSONL, one example a line, in one of two forms (chosen per line):
//   {"text": "…", "label"?: 1 | "spam"}  tokenized with the tokenizer.json next to the model (or in
//       its parent folder, the Hub layout {dir}/onnx/model.onnx); input_ids / attention_mask /
//       token_type_ids are made from the tokens, truncated to the tokenizer's model_max_length;
//   {"inputs": {"input_ids": [[…]], …}, "label"?: …}  raw tensors as nested arrays, checked against
//       the model's declared inputs (names, rank, fixed dims; element type taken from the model).
// A label is a class index, or a class name looked up in config.json's label2id. One line is one
// run (batch of one for text). Any bad line fails the command naming file:line.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import * as ort from "onnxruntime-node";
import { z } from "zod";
import { DataType, elementTypeName, type ModelProto } from "../../compression/index.ts";
import type { Feeds, LabelledExample } from "../../compression/node.ts";
import { CliError } from "../errors.ts";

type Nested = number | Nested[];
const nested: z.ZodType<Nested> = z.lazy(() => z.union([z.number(), z.array(nested)]));
const label = z.union([z.number().int().nonnegative(), z.string().min(1)]);
const lineSchema = z.union([
  z.object({ text: z.string(), label: label.optional() }).strict(),
  z
    .object({ inputs: z.record(z.string(), nested), label: z.union([label, z.array(label)]).optional() })
    .strict(),
]);

interface ModelFolder {
  tokenizer?: Tokenizer;
  maxLength: number;
  label2id?: Record<string, number>;
}

async function readJson(path: string): Promise<unknown | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not valid JSON`, 2);
  }
}

/** tokenizer.json, tokenizer_config.json and config.json beside the model, or one folder up. */
async function modelFolder(modelPath: string): Promise<ModelFolder> {
  const dirs = [dirname(modelPath), dirname(dirname(modelPath))];
  const find = async (file: string) => {
    for (const d of dirs) {
      const json = await readJson(join(d, file));
      if (json !== undefined) return json as Record<string, unknown>;
    }
    return undefined;
  };
  const tokenizerJson = await find("tokenizer.json");
  const tokenizerConfig = (await find("tokenizer_config.json")) ?? {};
  const config = (await find("config.json")) ?? {};
  const declared = Number(tokenizerConfig.model_max_length);
  const positions = Number(config.max_position_embeddings);
  const maxLength =
    Number.isInteger(declared) && declared > 0 && declared < 1e6
      ? declared
      : Number.isInteger(positions) && positions > 0
        ? positions
        : 512;
  return {
    ...(tokenizerJson ? { tokenizer: new Tokenizer(tokenizerJson, tokenizerConfig) } : {}),
    maxLength,
    ...(config.label2id && typeof config.label2id === "object"
      ? { label2id: config.label2id as Record<string, number> }
      : {}),
  };
}

function flatten(value: Nested, at: string): { data: number[]; dims: number[] } {
  if (typeof value === "number") return { data: [value], dims: [] };
  if (value.length === 0) return { data: [], dims: [0] };
  const parts = value.map((v, i) => flatten(v, `${at}[${i}]`));
  const inner = parts[0]?.dims ?? [];
  for (const p of parts)
    if (p.dims.join() !== inner.join())
      throw new Error(`${at} is not rectangular (rows of different shapes)`);
  return { data: parts.flatMap((p) => p.data), dims: [parts.length, ...inner] };
}

function tensorFor(elemType: number, data: number[], dims: number[], name: string): ort.Tensor {
  switch (elemType) {
    case DataType.INT64:
      return new ort.Tensor(
        "int64",
        BigInt64Array.from(data, (v) => BigInt(Math.trunc(v))),
        dims,
      );
    case DataType.INT32:
      return new ort.Tensor("int32", Int32Array.from(data), dims);
    case DataType.FLOAT:
      return new ort.Tensor("float32", Float32Array.from(data), dims);
    case DataType.BOOL:
      return new ort.Tensor(
        "bool",
        Uint8Array.from(data, (v) => (v ? 1 : 0)),
        dims,
      );
    default:
      throw new Error(`input ${name} is ${elementTypeName(elemType)}, which JSON lines cannot feed`);
  }
}

export interface ModelInputs {
  feeds: Feeds[];
  /** Class index per run (one per row), when every line has a label. */
  examples?: LabelledExample[];
}

/** Reads a calibration or eval JSONL file into feeds for `model` (and labels, when `needLabels`). */
export async function readModelInputs(
  path: string,
  model: ModelProto,
  modelPath: string,
  needLabels: boolean,
): Promise<ModelInputs> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${e.code ?? e.message}`, 2);
  });
  const graph = model.graph;
  const inits = new Set(graph?.initializer.map((t) => t.name));
  const declared = (graph?.input ?? []).filter((i) => !inits.has(i.name));
  let folder: ModelFolder | undefined;
  const feeds: Feeds[] = [];
  const examples: LabelledExample[] = [];
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === "") continue;
    const where = `${path}:${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new CliError(`${where}: not valid JSON`, 2);
    }
    const parsed = lineSchema.safeParse(json);
    if (!parsed.success)
      throw new CliError(`${where}: expected {"text": …} or {"inputs": {…}} (with "label" for --eval)`, 2);
    const line = parsed.data;
    folder ??= await modelFolder(modelPath);
    const run: Feeds = {};
    let rows = 1;
    try {
      if ("text" in line) {
        const tokenizer = folder.tokenizer;
        if (!tokenizer)
          throw new Error(`text lines need tokenizer.json next to ${modelPath} or in its parent folder`);
        let ids = tokenizer.encode(line.text).ids;
        if (ids.length > folder.maxLength)
          ids = [...ids.slice(0, folder.maxLength - 1), ids.at(-1) as number];
        for (const input of declared) {
          const name = input.name ?? "";
          const values =
            name === "input_ids"
              ? ids
              : name === "attention_mask"
                ? ids.map(() => 1)
                : name === "token_type_ids"
                  ? ids.map(() => 0)
                  : undefined;
          if (!values) throw new Error(`input ${name} cannot be made from text; use {"inputs": …} lines`);
          run[name] = tensorFor(input.type?.tensorType?.elemType ?? 0, values, [1, values.length], name);
        }
      } else {
        const names = declared.map((i) => i.name ?? "");
        const missing = names.filter((n) => !(n in line.inputs));
        const extra = Object.keys(line.inputs).filter((n) => !names.includes(n));
        if (missing.length || extra.length)
          throw new Error(
            `inputs must be exactly the model's (${names.join(", ")})${missing.length ? `; missing ${missing.join(", ")}` : ""}${extra.length ? `; unknown ${extra.join(", ")}` : ""}`,
          );
        for (const input of declared) {
          const name = input.name ?? "";
          const { data, dims } = flatten(line.inputs[name] as Nested, name);
          const shape = input.type?.tensorType?.shape?.dim ?? [];
          if (dims.length !== shape.length)
            throw new Error(`input ${name} has rank ${dims.length}, the model declares ${shape.length}`);
          shape.forEach((d, i) => {
            if (d.dimValue !== undefined && d.dimValue.toNumber() !== dims[i])
              throw new Error(`input ${name} dimension ${i} is ${dims[i]}, the model declares ${d.dimValue}`);
          });
          rows = dims[0] ?? 1;
          run[name] = tensorFor(input.type?.tensorType?.elemType ?? 0, data, dims, name);
        }
      }
      if (needLabels) {
        if (line.label === undefined) throw new Error('--eval lines need a "label"');
        const toIndex = (l: number | string): number => {
          if (typeof l === "number") return l;
          const id = folder?.label2id?.[l];
          if (id === undefined)
            throw new Error(
              `label ${JSON.stringify(l)} is not a class index and not in config.json's label2id${folder?.label2id ? ` (${Object.keys(folder.label2id).join(", ")})` : ""}`,
            );
          return id;
        };
        const labels = (Array.isArray(line.label) ? line.label : [line.label]).map(toIndex);
        if (labels.length !== rows) throw new Error(`${labels.length} labels for a batch of ${rows} rows`);
        examples.push({ feeds: run, labels });
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`${where}: ${(error as Error).message}`, 2);
    }
    feeds.push(run);
  }
  if (feeds.length === 0) throw new CliError(`${path}: no examples`, 2);
  return { feeds, ...(needLabels ? { examples } : {}) };
}
