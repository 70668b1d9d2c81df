// Proves the embedding pass: (1) onnxruntime computes exactly the table the stored integers,
// scales and zero points describe, in every encoding, and that table is within half a
// quantization step of the float one; (2) what it must leave alone it leaves alone; (3) on the
// trained tiny-spam classifier the q8/q4 presets get much smaller with embeddings quantized, and
// still agree with fp32 on the fixture's sample texts in onnxruntime-node and onnxruntime-web.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import Long from "long";
import * as ort from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { createTextClassifier, type OrtModule } from "../../client/text-classifier.ts";
import { CompressionError } from "../graph/errors.ts";
import { defaultOpset, makeNode, tensorAttribute } from "../graph/graph.ts";
import { floatValues, makeTensor, unpack4 } from "../graph/tensors.ts";
import { encodeModel } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto, TensorProto, ValueInfoProto } from "../onnx-io/onnx-types.ts";
import { randomValues, runFloat } from "../quantize/test-support.ts";
import { preset, runRecipe } from "../recipes/index.ts";
import { quantizeEmbedding } from "./quantize-embedding.ts";

const apply = async (model: ModelProto, options: object = {}) =>
  quantizeEmbedding.apply(model, quantizeEmbedding.options.parse(options));

function io(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: Long.fromNumber(d) } : { dimParam: d })),
        },
      },
    },
    metadataProps: [],
  };
}

// Word table [40, 48] behind an Identity (48 is no multiple of 32: the last 4-bit block is short),
// gathered twice (both Gathers must share one quantized copy); position table [24, 64] inside a
// Constant node; a [2, 8] table below minElements.
const word = randomValues(40 * 48, 11, 0.5);
const position = randomValues(24 * 64, 12, 0.05);
const small = randomValues(16, 13, 1);

function embeddingModel(opset = 17, extra: { tiedMatMul?: boolean } = {}): ModelProto {
  const nodes = [
    makeNode("Identity", ["word"], ["word_alias"], "word_identity"),
    makeNode("Gather", ["word_alias", "ids"], ["e1"], "word_gather"),
    makeNode("Gather", ["word", "ids"], ["e2"], "word_gather_again"),
    makeNode("Constant", [], ["position"], "position_constant", [
      tensorAttribute("value", makeTensor("position", DataType.FLOAT, [24, 64], position)),
    ]),
    makeNode("Gather", ["position", "pos"], ["p"], "position_gather"),
    makeNode("Gather", ["small", "types"], ["t"], "small_gather"),
  ];
  const output = [
    io("e1", DataType.FLOAT, ["b", "s", 48]),
    io("e2", DataType.FLOAT, ["b", "s", 48]),
    io("p", DataType.FLOAT, ["b", "s", 64]),
    io("t", DataType.FLOAT, ["b", "s", 8]),
  ];
  if (extra.tiedMatMul) {
    // An LM head reading the same table (tied weights): x [b, 40] × word [40, 48].
    nodes.push(makeNode("MatMul", ["x", "word_alias"], ["head"], "tied_head"));
    output.push(io("head", DataType.FLOAT, ["b", 48]));
  }
  return {
    irVersion: Long.fromNumber(opset >= 21 ? 10 : 8),
    producerName: "edgetune-test",
    opsetImport: [{ domain: "", version: Long.fromNumber(opset) }],
    metadataProps: [],
    trainingInfo: [],
    functions: [],
    configuration: [],
    graph: {
      name: "embeddings",
      node: nodes,
      initializer: [
        makeTensor("word", DataType.FLOAT, [40, 48], word),
        makeTensor("small", DataType.FLOAT, [2, 8], small),
      ],
      input: [
        io("ids", DataType.INT64, ["b", "s"]),
        io("pos", DataType.INT64, ["b", "s"]),
        io("types", DataType.INT64, ["b", "s"]),
        ...(extra.tiedMatMul ? [io("x", DataType.FLOAT, ["b", 40])] : []),
      ],
      output,
      valueInfo: [],
      quantizationAnnotation: [],
      sparseInitializer: [],
      metadataProps: [],
    },
  };
}

const ids = [0, 39, 5, 17, 23, 8, 1, 30, 22, 2];
const tensor = (values: number[]) => new ort.Tensor("int64", BigInt64Array.from(values.map(BigInt)), [2, 5]);
const feeds = {
  ids: tensor(ids),
  pos: tensor(ids.map((i) => i % 24)),
  types: tensor(ids.map((i) => i % 2)),
};

/** The table the stored tensors describe, decoded by hand: (q − zero point) × scale, blocked along rows. */
function storedTable(
  model: ModelProto,
  base: string,
  rows: number,
  cols: number,
  block: number,
): Float32Array {
  const find = (suffix: string): TensorProto | undefined =>
    model.graph?.initializer.find((t) => t.name === `${base}_${suffix}`);
  const values = find("quantized") ?? find("q4");
  const scaleT = find("scale");
  if (!values || !scaleT) throw new Error(`no quantized tensors for ${base}`);
  const zpT = find("zero_point");
  const scale = floatValues(scaleT);
  const perRow = scale.length / rows;
  const raw = values.rawData as Uint8Array;
  const q =
    values.dataType === DataType.INT8
      ? new Int8Array(raw.buffer, raw.byteOffset, rows * cols)
      : values.dataType === DataType.UINT8
        ? raw
        : unpack4(raw, rows * cols, values.dataType === DataType.INT4);
  const zpRaw = zpT?.rawData as Uint8Array | undefined;
  const zp = zpRaw && zpT?.dataType === DataType.UINT4 ? unpack4(zpRaw, scale.length, false) : zpRaw;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const b = r * perRow + Math.floor(c / block);
      out[r * cols + c] = Math.fround(
        ((q[r * cols + c] as number) - ((zp?.[b] as number) ?? 0)) * (scale[b] as number),
      );
    }
  return out;
}

function gatherRows(table: Float32Array, cols: number, rowsIds: readonly number[]): Float32Array {
  const out = new Float32Array(rowsIds.length * cols);
  rowsIds.forEach((r, i) => {
    out.set(table.subarray(r * cols, (r + 1) * cols), i * cols);
  });
  return out;
}

/** Largest |stored − float| divided by each element's own step (scale): ≤ 0.5 when rounding is right. */
function worstStepError(stored: Float32Array, float: Float32Array, steps: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < float.length; i++)
    worst = Math.max(worst, Math.abs((stored[i] as number) - (float[i] as number)) / (steps[i] as number));
  return worst;
}

describe("quantize-embedding", () => {
  const cases = [
    { bits: 8, symmetric: true, format: "dequantize-gather", opset: 17 },
    { bits: 8, symmetric: false, format: "dequantize-gather", opset: 17 },
    { bits: 8, symmetric: true, format: "gather-dequantize", opset: 17 },
    { bits: 8, symmetric: false, format: "auto", opset: 21 },
    { bits: 4, symmetric: true, format: "auto", opset: 17, blockSize: 32 },
    { bits: 4, symmetric: false, format: "auto", opset: 17, blockSize: 16 },
    { bits: 4, symmetric: true, format: "auto", opset: 21, blockSize: 64 },
  ] as const;

  it.each(cases)(
    "onnxruntime computes exactly the stored table, within half a step of float: %o",
    async (c) => {
      const { opset, ...options } = c;
      const { model, report } = await apply(embeddingModel(opset), options);
      const expectedFormat =
        c.format !== "auto"
          ? c.format
          : c.bits === 8 && opset >= 21
            ? "gather-dequantize"
            : "dequantize-gather";
      expect(report).toMatchObject({
        tablesQuantized: 2,
        gathersRewritten: 3,
        format: expectedFormat,
        floatTableBytes: (40 * 48 + 24 * 64) * 4,
      });
      expect(report.skipped).toEqual(["small_gather: table has 16 elements (< minElements)"]);
      // The float tables (and the Identity/Constant in front of them) are gone; the small one stays.
      const inits = new Map(model.graph?.initializer.map((t) => [t.name, t]));
      expect(inits.has("word")).toBe(false);
      expect(inits.get("small")?.dataType).toBe(DataType.FLOAT);
      expect(model.graph?.node.some((n) => n.opType === "Identity" || n.opType === "Constant")).toBe(false);
      const dq = model.graph?.node.filter((n) => n.opType === "DequantizeLinear") ?? [];
      // One DequantizeLinear per table, or per Gather when only the gathered rows are dequantized.
      expect(dq).toHaveLength(expectedFormat === "gather-dequantize" ? 3 : 2);
      if (c.bits === 4 || expectedFormat === "gather-dequantize") expect(defaultOpset(model)).toBe(21);
      else expect(defaultOpset(model)).toBe(opset);

      const block = (cols: number) => (c.bits === 8 ? cols : Math.min(cols, c.blockSize));
      const storedWord = storedTable(model, "word", 40, 48, block(48));
      const storedPosition = storedTable(model, "position", 24, 64, block(64));
      const out = await runFloat(model, feeds);
      const got = (name: string) => out[name]?.data as Float32Array;
      expect(got("e1")).toEqual(gatherRows(storedWord, 48, ids));
      expect(got("e2")).toEqual(gatherRows(storedWord, 48, ids));
      expect(got("p")).toEqual(
        gatherRows(
          storedPosition,
          64,
          ids.map((i) => i % 24),
        ),
      );
      expect(got("t")).toEqual(
        gatherRows(
          small,
          8,
          ids.map((i) => i % 2),
        ),
      );

      // Rounding: every element within half a step (symmetric), or one step (asymmetric: the zero point is rounded too).
      const wordScale = floatValues(inits.get("word_scale") as TensorProto);
      const perRow = Math.ceil(48 / block(48));
      const steps = new Float32Array(40 * 48);
      for (let i = 0; i < steps.length; i++) {
        const r = Math.floor(i / 48);
        steps[i] = Math.abs(wordScale[r * perRow + Math.floor((i % 48) / block(48))] as number);
      }
      // Symmetric 8-bit rounds to the nearest of ±127 steps: within half a step. Symmetric 4-bit maps
      // the largest magnitude to −8 (all 16 levels, as onnxruntime's quantizer does), so the opposite
      // extreme may clamp at +7: within one step; asymmetric rounds its zero point too: one step.
      expect(worstStepError(storedWord, word, steps)).toBeLessThanOrEqual(
        c.bits === 8 && c.symmetric ? 0.5 + 1e-5 : 1 + 1e-5,
      );
      // The step is what the bit width allows for each row (block): max|w| / 127 or / 8, (max − min) / 255 or / 15.
      for (let r = 0; r < 40; r++)
        for (let b = 0; b < perRow; b++) {
          const vals = word.subarray(r * 48 + b * block(48), r * 48 + Math.min(48, (b + 1) * block(48)));
          const lo = Math.min(0, ...vals);
          const hi = Math.max(0, ...vals);
          const levels = c.bits === 8 ? (c.symmetric ? 127 : 255) : c.symmetric ? 8 : 15;
          const want = c.symmetric ? Math.max(-lo, hi) / levels : (hi - lo) / levels;
          expect(Math.abs(wordScale[r * perRow + b] as number)).toBeCloseTo(want, 6);
        }
      // And the file holds the quantized bytes, not the float ones.
      expect(report.quantizedBytes as number).toBeLessThan(
        ((40 * 48 + 24 * 64) * 4) / (c.bits === 8 ? 3.5 : c.blockSize === 16 ? 4 : 6),
      );
    },
  );

  it("leaves shared, excluded and non-float tables alone, and refuses int4 gathers", async () => {
    const tied = await apply(embeddingModel(17, { tiedMatMul: true }), {});
    expect(tied.report.tablesQuantized).toBe(1); // only the position table
    expect(tied.report.skipped).toContain("word: also read by MatMul (shared table)");
    expect(tied.model.graph?.initializer.find((t) => t.name === "word")?.dataType).toBe(DataType.FLOAT);

    const source = embeddingModel();
    const excluded = await apply(source, { exclude: ["position_gather", "word"] });
    expect(excluded.report.tablesQuantized).toBe(0);
    expect(excluded.model).toBe(source); // nothing to do: the model comes back as it was
    expect(excluded.report.skipped).toEqual([
      "word_gather: excluded",
      "position_gather: excluded",
      "small_gather: table has 16 elements (< minElements)",
    ]);

    const all = await apply(embeddingModel(), { minElements: 0 });
    expect(all.report.tablesQuantized).toBe(3);

    await expect(apply(embeddingModel(), { bits: 4, format: "gather-dequantize" })).rejects.toThrow(
      CompressionError,
    );
  });

  describe("on the trained tiny-spam classifier", () => {
    const dir = join(import.meta.dirname, "..", "..", "functions", "inference", "fixtures", "tiny-spam");
    const json = (name: string) =>
      JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, unknown>;
    const expected = json("expected.json") as { samples: string[]; maxLength: number };
    const config = json("config.json") as { id2label: Record<string, string> };
    const labels = Object.keys(config.id2label)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => config.id2label[k] as string);

    async function classify(
      lib: OrtModule & { InferenceSession: typeof ort.InferenceSession },
      bytes: Uint8Array,
    ) {
      const session = await lib.InferenceSession.create(bytes, { graphOptimizationLevel: "basic" });
      try {
        const classifier = createTextClassifier({
          ort: lib,
          session,
          tokenizerJson: json("tokenizer.json"),
          tokenizerConfig: json("tokenizer_config.json"),
          labels,
          maxLength: expected.maxLength,
        });
        return await classifier.classify(expected.samples);
      } finally {
        await session.release();
      }
    }

    const payload = (m: ModelProto) =>
      (m.graph?.initializer ?? []).reduce((n, t) => n + (t.rawData?.length ?? 0) + 4 * t.floatData.length, 0);

    it("q8 and q4 files shrink with embeddings quantized and agree with fp32 in node and web", async () => {
      const fp32 = await readModelFile(join(dir, "model.onnx"));
      const fp32Bytes = encodeModel(fp32);
      const reference = await classify(ort, fp32Bytes);
      ortWeb.env.wasm.numThreads = 1;
      const require = createRequire(import.meta.url);
      ortWeb.env.wasm.wasmBinary = readFileSync(
        require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"),
      );
      const targets = { q8: { agreement: 0.99 }, q4: { agreement: 0.97 } } as const;
      const figures: Record<string, number> = {};
      for (const [name, target] of Object.entries(targets)) {
        const { model, steps } = await runRecipe(fp32, preset(name));
        const { model: kept } = await runRecipe(fp32, preset(name, { embeddings: "keep" }));
        const embedding = steps.find((s) => s.pass === "quantize-embedding")?.report;
        expect(embedding, name).toMatchObject({ tablesQuantized: 2, bits: name === "q8" ? 8 : 4 });
        const bytes = encodeModel(model);
        const ratio = bytes.length / fp32Bytes.length;
        const keptRatio = encodeModel(kept).length / fp32Bytes.length;
        const payloadRatio = payload(model) / payload(fp32);
        figures[name] = ratio;
        figures[`${name}_kept`] = keptRatio;
        figures[`${name}_payload`] = payloadRatio;
        // The embedding tables are over half of this model: quantizing them roughly halves the file.
        expect(ratio, name).toBeLessThan(keptRatio * 0.55);
        // Stored tensors: int8 tables with per-row scales ≤ 30 % of fp32, int4 blocks ≤ 20 %.
        expect(payloadRatio, name).toBeLessThanOrEqual(name === "q8" ? 0.3 : 0.2);
        // Whole file: the presets end with compact-names, so the exporter's node and value names
        // (53 kB, 7.3 % of the fp32 file) are gone too: the files are 26.9 % (q8) and 16.9 % (q4)
        // of fp32 (they were 35 % and 23.4 % with the names kept).
        expect(ratio, name).toBeLessThanOrEqual(name === "q8" ? 0.275 : 0.175);
        const node = await classify(ort, bytes);
        const web = await classify(ortWeb as unknown as typeof ort & OrtModule, bytes);
        const agree = (preds: { label: string }[]) =>
          preds.filter((p, i) => p.label === reference[i]?.label).length / reference.length;
        expect(agree(node), `${name} node`).toBeGreaterThanOrEqual(target.agreement);
        expect(agree(web), `${name} web`).toBeGreaterThanOrEqual(target.agreement);
        // node and web compute the same thing
        node.forEach((p, i) => {
          expect(p.score).toBeCloseTo(web[i]?.score as number, 4);
        });
      }
      expect(figures.q4 as number).toBeLessThan(figures.q8 as number);
    });
  });
});
