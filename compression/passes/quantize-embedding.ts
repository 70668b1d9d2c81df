// Embedding tables (the constant first input of a Gather: word, position, token-type embeddings)
// in int8/uint8 or int4/uint4. In small language models the vocabulary table is often most of
// the parameters, and the MatMul passes never see it, so without this pass a "q8" or "q4" file
// stays mostly float. Rows are tokens, so quantization runs along each row: 8-bit gets one scale
// (and for uint8 one zero point) per row, 4-bit gets blocks of `blockSize` along the row.
// Two encodings, both exact (what onnxruntime computes equals the dequantized table):
// - dequantize-gather: DequantizeLinear over the whole table (per-axis 0 for 8-bit, opset 13;
//   blocked along axis 1 for 4-bit, opset 21), then the unchanged Gather. The only form for
//   4-bit, since Gather accepts no int4/uint4 tensors (onnxruntime refuses the model).
// - gather-dequantize (8-bit only): Gather on the int8 table and on its per-row scales, then a
//   blocked DequantizeLinear (block = the row) of just the gathered rows (opset 21), so the float
//   table never exists at run time.
// "auto" takes gather-dequantize for 8-bit when the model is already at opset 21, else
// dequantize-gather (the opset import is raised to 21 only where 4-bit needs it).
import { z } from "zod";
import { CompressionError } from "../graph/errors.ts";
import {
  constantTensor,
  defaultOpset,
  type GraphIndex,
  indexGraph,
  intAttr,
  intAttribute,
  makeNode,
  NameScope,
  removeUnused,
} from "../graph/graph.ts";
import { upgradeOpset } from "../graph/opset.ts";
import { dimsOf, floatValues, makeTensor, pack4 } from "../graph/tensors.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { OnnxIoError } from "../onnx-io/errors.ts";
import type { GraphProto, NodeProto, TensorProto } from "../onnx-io/onnx-types.ts";
import { quantize4, quantize8, transpose, transposeInt8 } from "../quantize/math.ts";
import { definePass } from "./pass.ts";

export const quantizeEmbeddingOptions = z
  .object({
    bits: z.union([z.literal(8), z.literal(4)]).default(8),
    /** Symmetric: int8 (±127) / int4, scale only. Asymmetric: uint8 / uint4 with zero points. */
    symmetric: z.boolean().default(true),
    /** 4-bit only: block length along each row. */
    blockSize: z
      .union([z.literal(16), z.literal(32), z.literal(64), z.literal(128), z.literal(256)])
      .default(32),
    format: z.enum(["auto", "dequantize-gather", "gather-dequantize"]).default("auto"),
    /** Gather node names or table names left in float. */
    exclude: z.array(z.string()).default([]),
    /** Smaller tables stay float: their scales and nodes would cost about what they save. */
    minElements: z.number().int().nonnegative().default(1024),
  })
  .strict();

type Options = z.output<typeof quantizeEmbeddingOptions>;

interface Table {
  /** The value the Gather nodes read (an initializer, a Constant output, or an Identity of one). */
  root: string;
  tensor: TensorProto;
  rows: number;
  cols: number;
  gathers: NodeProto[];
}

/** Follows Identity nodes back to the initializer or Constant output they forward. */
function rootOf(index: GraphIndex, name: string): string {
  let current = name;
  for (let hops = 0; hops < 64; hops++) {
    const producer = index.producers.get(current);
    if (producer?.opType !== "Identity" || (producer.domain ?? "") !== "") return current;
    current = producer.input[0] ?? "";
  }
  return current;
}

/** What reads the root value directly or through Identity chains, other than embedding Gathers. */
function otherReaders(index: GraphIndex, root: string): string[] {
  const out: string[] = [];
  const queue = [root];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const v = queue.pop() as string;
    if (seen.has(v)) continue;
    seen.add(v);
    if (index.graphOutputs.has(v)) out.push("a graph output");
    for (const n of index.consumers.get(v) ?? []) {
      if (n.opType === "Identity" && (n.domain ?? "") === "") queue.push(n.output[0] ?? "");
      else if (!isEmbeddingGather(n)) out.push(n.opType ?? "?");
    }
  }
  return out;
}

function isEmbeddingGather(n: NodeProto): boolean {
  return n.opType === "Gather" && (n.domain ?? "") === "" && intAttr(n, "axis", 0) === 0;
}

function findTables(
  graph: GraphProto,
  index: GraphIndex,
  options: Options,
): { tables: Table[]; skipped: string[] } {
  const byRoot = new Map<string, Table>();
  const skipped: string[] = [];
  const rejected = new Set<string>();
  const exclude = new Set(options.exclude);
  for (const node of graph.node) {
    if (!isEmbeddingGather(node)) continue;
    const source = node.input[0] ?? "";
    const tensor = constantTensor(graph, index, source);
    if (!tensor) continue; // gathering from a computed value (shapes, hidden states): not a table
    const root = rootOf(index, source);
    const label = node.name || node.output[0] || "Gather";
    if (rejected.has(root)) continue;
    const skip = (reason: string) => {
      skipped.push(`${label}: ${reason}`);
      rejected.add(root);
    };
    const dims = dimsOf(tensor);
    if (exclude.has(label) || exclude.has(source) || exclude.has(tensor.name ?? "")) skip("excluded");
    else if (tensor.dataType !== DataType.FLOAT) skip("table is not float32");
    else if (dims.length !== 2) skip(`table has rank ${dims.length}, not 2`);
    else if ((dims[0] as number) * (dims[1] as number) < options.minElements)
      skip(`table has ${(dims[0] as number) * (dims[1] as number)} elements (< minElements)`);
    if (rejected.has(root)) continue;
    const table = byRoot.get(root) ?? {
      root,
      tensor,
      rows: dims[0] as number,
      cols: dims[1] as number,
      gathers: [],
    };
    table.gathers.push(node);
    byRoot.set(root, table);
  }
  const tables: Table[] = [];
  for (const table of byRoot.values()) {
    // A table also read by something other than an embedding Gather (a tied LM head, say) would
    // then be stored twice, float and quantized: leave it for a pass that rewrites both readers.
    const other = otherReaders(index, table.root);
    if (other.length > 0) {
      skipped.push(`${table.tensor.name ?? table.root}: also read by ${other.join(", ")} (shared table)`);
      continue;
    }
    tables.push(table);
  }
  return { tables, skipped };
}

export const quantizeEmbedding = definePass({
  name: "quantize-embedding",
  description: "Gather tables (embeddings) → int8/uint8 per row or int4/uint4 blocked, with DequantizeLinear",
  options: quantizeEmbeddingOptions,
  apply(model, options) {
    if (!model.graph) throw new OnnxIoError("missing-graph", "model has no graph");
    const opset = defaultOpset(model);
    const format =
      options.format !== "auto"
        ? options.format
        : options.bits === 8 && opset >= 21
          ? "gather-dequantize"
          : "dequantize-gather";
    if (format === "gather-dequantize" && options.bits === 4) {
      throw new CompressionError(
        "unsupported",
        "gather-dequantize needs 8-bit tables: Gather accepts no int4/uint4 tensors",
      );
    }
    const scan = indexGraph(model.graph);
    const found = findTables(model.graph, scan, options);
    if (found.tables.length === 0) {
      return { model, report: report(0, 0, 0, 0, found.skipped, options, format) };
    }
    const needs = options.bits === 4 || format === "gather-dequantize" ? 21 : 13;
    if (opset < needs && needs === 13)
      throw new CompressionError("unsupported", "per-axis DequantizeLinear needs opset 13 or later");
    const source = upgradeOpset(model, needs);
    const graph = source.graph as GraphProto;
    const names = new NameScope(graph);
    const byGather = new Map<NodeProto, Table>();
    for (const t of found.tables) for (const g of t.gathers) byGather.set(g, t);
    // upgradeOpset returns new node objects when it rewrites; match them up by position.
    const nodesBefore = model.graph.node;
    const added: TensorProto[] = [];
    const nodes: NodeProto[] = [];
    const done = new Map<Table, string[]>();
    let floatBytes = 0;
    let gathers = 0;
    graph.node.forEach((node, i) => {
      const table = byGather.get(nodesBefore[i] as NodeProto);
      if (!table) {
        nodes.push(node);
        return;
      }
      gathers++;
      let stored = done.get(table);
      if (!stored) {
        floatBytes += table.rows * table.cols * 4;
        stored = quantizeTable(table, options, format, names, added, nodes);
        done.set(table, stored);
      }
      const label = node.name || node.output[0] || "Gather";
      if (format === "dequantize-gather") {
        nodes.push({ ...node, input: [stored[0] as string, node.input[1] ?? ""] });
        return;
      }
      // gather-dequantize: gather the int8 rows and their scales (and zero points), dequantize the rows.
      const ids = node.input[1] ?? "";
      const gathered = stored.map((name) => {
        const out = names.fresh(`${name}_rows`);
        nodes.push(makeNode("Gather", [name, ids], [out], names.fresh(`${label}_${name}`)));
        return out;
      });
      nodes.push(
        makeNode(
          "DequantizeLinear",
          gathered,
          [node.output[0] ?? ""],
          names.fresh(`${label}_DequantizeLinear`),
          [intAttribute("axis", -1), intAttribute("block_size", table.cols)],
        ),
      );
    });
    const after = removeUnused({ ...graph, node: nodes, initializer: [...graph.initializer, ...added] });
    const quantizedBytes = added.reduce((n, t) => n + (t.rawData?.length ?? 0), 0);
    return {
      model: { ...source, graph: after },
      report: report(done.size, gathers, floatBytes, quantizedBytes, found.skipped, options, format),
    };
  },
});

/**
 * Adds the quantized table's initializers; for dequantize-gather also the DequantizeLinear node.
 * Returns the value the Gathers read (dequantize-gather) or [values, scales, zero points?].
 */
function quantizeTable(
  table: Table,
  options: Options,
  format: "dequantize-gather" | "gather-dequantize",
  names: NameScope,
  added: TensorProto[],
  nodes: NodeProto[],
): string[] {
  const { rows, cols } = table;
  const base = table.tensor.name || table.root;
  // The shared quantizers work on [K, N] with channels along N: hand them the table as [cols, rows].
  const wT = transpose(floatValues(table.tensor), rows, cols);
  const add = (t: TensorProto) => {
    added.push(t);
    return t.name ?? "";
  };
  let inputs: string[];
  let attributes: ReturnType<typeof intAttribute>[];
  if (options.bits === 8) {
    const q = quantize8(wT, cols, rows, { signed: options.symmetric, perChannel: true });
    const values = transposeInt8(q.values, cols, rows);
    const paramDims = format === "gather-dequantize" ? [rows, 1] : [rows];
    inputs = [
      add(
        makeTensor(
          names.fresh(`${base}_quantized`),
          options.symmetric ? DataType.INT8 : DataType.UINT8,
          [rows, cols],
          values,
        ),
      ),
      add(makeTensor(names.fresh(`${base}_scale`), DataType.FLOAT, paramDims, q.scale)),
    ];
    if (!options.symmetric)
      inputs.push(add(makeTensor(names.fresh(`${base}_zero_point`), DataType.UINT8, paramDims, q.zeroPoint)));
    if (format === "gather-dequantize") return inputs;
    attributes = [intAttribute("axis", 0)];
  } else {
    const q = quantize4(wT, cols, rows, { blockSize: options.blockSize, symmetric: options.symmetric });
    const values = transposeInt8(q.values, cols, rows);
    const paramDims = [rows, q.blocks];
    inputs = [
      add(
        makeTensor(
          names.fresh(`${base}_q4`),
          options.symmetric ? DataType.INT4 : DataType.UINT4,
          [rows, cols],
          pack4(values),
        ),
      ),
      add(
        makeTensor(
          names.fresh(`${base}_scale`),
          DataType.FLOAT,
          paramDims,
          transpose(q.scale, q.blocks, rows),
        ),
      ),
    ];
    if (q.zeroPoint) {
      const zp = transposeInt8(q.zeroPoint, q.blocks, rows);
      inputs.push(add(makeTensor(names.fresh(`${base}_zero_point`), DataType.UINT4, paramDims, pack4(zp))));
    }
    attributes = [intAttribute("axis", 1), intAttribute("block_size", options.blockSize)];
  }
  const out = names.fresh(`${base}_dequantized`);
  nodes.push(
    makeNode("DequantizeLinear", inputs, [out], names.fresh(`${base}_DequantizeLinear`), attributes),
  );
  return [out];
}

function report(
  tables: number,
  gathers: number,
  floatBytes: number,
  quantizedBytes: number,
  skipped: string[],
  options: Options,
  format: string,
) {
  return {
    tablesQuantized: tables,
    gathersRewritten: gathers,
    tablesSkipped: skipped.length,
    skipped,
    floatTableBytes: floatBytes,
    quantizedBytes,
    bits: options.bits,
    symmetric: options.symmetric,
    ...(options.bits === 4 ? { blockSize: options.blockSize } : {}),
    format,
  };
}
