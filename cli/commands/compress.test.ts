import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Long from "long";
import { afterAll, describe, expect, it } from "vitest";
import { intAttribute, makeNode } from "../../compression/graph/graph.ts";
import {
  decodeModel,
  encodeModel,
  type GraphProto,
  type ModelProto,
  readModelFile,
  type TensorProto,
} from "../../compression/node.ts";
import { fixturesDir, modelPath } from "../../compression/onnx-io/test-fixtures.ts";
import { describeFailure } from "../errors.ts";
import { buildProgram } from "../program.ts";
import { compressFile, resolveRecipes } from "./compress.ts";
import { parseMixedPrecision } from "./compress-mixed.ts";

const dir = mkdtempSync(join(tmpdir(), "edgetune-compress-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spam = join(import.meta.dirname, "..", "..", "functions", "inference", "fixtures", "tiny-spam");
const bin = join(import.meta.dirname, "..", "..", "bin", "edgetune.js");
const bertFixture = join(import.meta.dirname, "..", "..", "compression", "fixtures", "bert-legacy-trained");

/** The real CLI in a child process: main.ts prints one line on stderr and sets the exit code. */
function edgetune(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same program in this process (a child process costs seconds): what main.ts would print and exit with. */
async function edgetuneInProcess(...args: string[]) {
  try {
    await buildProgram().parseAsync(["node", "edgetune", ...args]);
    return { code: 0, stderr: "" };
  } catch (error) {
    const { message, exitCode } = describeFailure(error);
    return { code: exitCode, stderr: `edgetune: ${message}\n` };
  }
}

describe("edgetune compress", () => {
  it("writes the named variant files and a report (JSON + Markdown) with measured figures", async () => {
    const out = join(dir, "out");
    const { files, reports } = await compressFile(
      modelPath("gpt2-legacy"),
      await resolveRecipes("q8,q4"),
      out,
      {
        latencyRuns: 1,
      },
    );
    expect(files.map((f) => f.slice(out.length))).toEqual([
      "/onnx/model_quantized.onnx",
      "/onnx/model_q4.onnx",
    ]);
    const q4 = await readModelFile(join(out, "onnx", "model_q4.onnx"));
    expect(q4.graph?.node.filter((n) => n.opType === "MatMulNBits")).toHaveLength(9);
    const json = JSON.parse(readFileSync(join(out, "compression-report.json"), "utf8"));
    expect(json.variants.map((v: { variant: string }) => v.variant)).toEqual(["original", "q8", "q4"]);
    const [orig, q8, q4r] = reports;
    expect(q8?.size.raw).toBeLessThan(0.7 * (orig?.size.raw ?? 0));
    expect(q4r?.size.raw).toBeLessThan(q8?.size.raw ?? 0);
    expect(q8?.top1Agreement).toBeGreaterThanOrEqual(0.99);
    expect(q8?.outputs.logits?.cosine).toBeGreaterThan(0.999);
    expect(q8?.size.gzip).toBeLessThan(q8?.size.raw ?? 0);
    expect(q8?.latencyMs?.runs).toBe(1);
    expect(json.variants[1].latencyWebMs.runs).toBe(1);
    const md = readFileSync(join(out, "compression-report.md"), "utf8");
    expect(md.split("\n").filter((l) => l.startsWith("| q"))).toHaveLength(2);
  });

  it("refuses unknown presets and bad recipe files clearly, writing nothing", async () => {
    await expect(resolveRecipes("q8,q3")).rejects.toThrow(/unknown preset "q3"; presets: fp32, fp16, q8/);
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "mine",
        output: "model_mine.onnx",
        steps: [{ pass: "quantize-4bit", options: { blockSize: 33 } }],
      }),
    );
    await expect(resolveRecipes(file)).rejects.toThrow(
      /bad\.json: invalid recipe: steps\.0 \(quantize-4bit\) options: blockSize/,
    );
    writeFileSync(file, "{ not json");
    await expect(resolveRecipes(file)).rejects.toThrow(/is not valid JSON/);
    const good = join(dir, "good.json");
    writeFileSync(
      good,
      JSON.stringify([
        {
          name: "mine",
          output: "model_mine.onnx",
          steps: [{ pass: "quantize-4bit", options: { blockSize: 64 } }],
        },
      ]),
    );
    expect((await resolveRecipes(good))[0]?.steps[0]?.options.blockSize).toBe(64);
    const out = join(dir, "never");
    await expect(compressFile(join(dir, "missing.onnx"), await resolveRecipes("q8"), out)).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
  });

  it("calibrates prune-importance (a recipe file without norms) and the static-int8 preset from --calibration text; accuracy on --eval", async () => {
    const expected = JSON.parse(readFileSync(join(spam, "expected.json"), "utf8")) as {
      samples: string[];
      predictions: { label: string }[];
    };
    const calibration = join(dir, "calibration.jsonl");
    writeFileSync(
      calibration,
      expected.samples
        .slice(0, 8)
        .map((text) => JSON.stringify({ text }))
        .join("\n"),
    );
    const evalFile = join(dir, "eval.jsonl");
    // labels: the fp32 model's own predictions (the fixture's), so the original must score 100 %
    writeFileSync(
      evalFile,
      expected.samples
        .map((text, i) => JSON.stringify({ text, label: expected.predictions[i]?.label }))
        .join("\n"),
    );
    const recipe = join(dir, "wanda.json");
    writeFileSync(
      recipe,
      JSON.stringify({
        name: "wanda30",
        output: "model_wanda30.onnx",
        steps: [{ pass: "prune-importance", options: { sparsity: 0.3 } }],
      }),
    );
    const out = join(dir, "spam-out");
    const { reports } = await compressFile(
      join(spam, "model.onnx"),
      [
        ...(await resolveRecipes(recipe)),
        ...(await resolveRecipes("q8")),
        ...(await resolveRecipes("static-int8")),
      ],
      out,
      {
        calibration,
        eval: evalFile,
        latencyRuns: 0,
      },
    );
    const [orig, wanda, q8, static8] = reports;
    expect(orig?.accuracy).toBe(1);
    expect(orig?.rows).toBe(16);
    expect(q8?.accuracy).toBeGreaterThanOrEqual(0.9);
    const step = wanda?.steps?.[0] as { pass: string; report: { sparsity: number } };
    expect(step.pass).toBe("prune-importance");
    expect(step.report.sparsity).toBeGreaterThan(0.25);
    expect(wanda?.accuracy).toBeGreaterThan(0.5);
    // static QDQ got calibrated activation ranges: its file holds fixed activation scales
    const qdq = await readModelFile(join(out, "onnx", "model_static_int8.onnx"));
    expect(qdq.graph?.node.filter((n) => n.opType === "QuantizeLinear").length).toBeGreaterThan(0);
    expect(static8?.accuracy).toBeGreaterThanOrEqual(0.9);
    const json = JSON.parse(readFileSync(join(out, "compression-report.json"), "utf8"));
    expect(json.eval).toBe(evalFile);
    expect(json.variants[0].accuracy).toBe(1);
    // the report keeps the recipe as written, not the calibration statistics
    expect(json.variants[1].steps[0].options.activationNorms).toEqual({});
  });
});

describe("edgetune compress --mixed-precision", () => {
  it("adds an accuracy-gated mixed variant: per-layer sensitivity and precision in the report, budget met", async () => {
    const fixture = join(import.meta.dirname, "..", "..", "compression", "fixtures", "bert-legacy-trained");
    const ref = JSON.parse(readFileSync(join(fixture, "reference.json"), "utf8")) as {
      inputs: { input_ids: { data: number[] } };
      labels: number[];
    };
    const lines: string[] = [];
    for (let b = 0; b < ref.labels.length; b += 64) {
      const rows = Array.from({ length: 64 }, (_, r) =>
        ref.inputs.input_ids.data.slice((b + r) * 16, (b + r + 1) * 16),
      );
      lines.push(
        JSON.stringify({
          inputs: { input_ids: rows, attention_mask: rows.map((row) => row.map(() => 1)) },
          label: ref.labels.slice(b, b + 64),
        }),
      );
    }
    const evalFile = join(dir, "bert-eval.jsonl");
    writeFileSync(evalFile, lines.join("\n"));
    const out = join(dir, "mixed-out");
    const { files, reports } = await compressFile(
      join(fixture, "model.onnx"),
      await resolveRecipes("q8"),
      out,
      {
        eval: evalFile,
        mixedPrecision: parseMixedPrecision("relative-error=0.002,top1=1,low=q4,high=q8"),
        latencyRuns: 0,
      },
    );
    expect(files.at(-1)).toBe(join(out, "onnx", "model_mixed.onnx"));
    const mixed = reports.at(-1);
    expect(mixed?.variant).toBe("mixed-q4-q8");
    expect(mixed?.accuracy).toBe(1);
    const step = mixed?.steps?.[0] as {
      report: {
        met: boolean;
        chosen: { relativeError: number };
        allLow: { relativeError: number };
        layers: { sensitivity: number; precision: string }[];
      };
    };
    expect(step.report.met).toBe(true);
    expect(step.report.chosen.relativeError).toBeLessThanOrEqual(0.002);
    expect(step.report.allLow.relativeError).toBeGreaterThan(0.002);
    expect(step.report.layers.length).toBe(14);
    expect(step.report.layers.every((l) => l.sensitivity > 0 && ["q4", "q8"].includes(l.precision))).toBe(
      true,
    );
    const file = await readModelFile(join(out, "onnx", "model_mixed.onnx"));
    const ops = new Set(file.graph?.node.map((n) => n.opType));
    expect(ops.has("MatMulNBits") && ops.has("MatMulInteger")).toBe(true);
    // it ends with compact-names like the presets: no node names, no exporter paths as value names
    expect(file.graph?.node.some((n) => n.name)).toBe(false);
    expect(file.graph?.node.some((n) => n.output.some((o) => o.startsWith("/bert/")))).toBe(false);
  });

  it("refuses a budget it cannot read", () => {
    expect(() => parseMixedPrecision("relative-error")).toThrow(/"relative-error" is not key=value/);
    expect(() => parseMixedPrecision("speed=2")).toThrow(
      /"speed=2" is not key=value with a key among low, high/,
    );
    expect(() => parseMixedPrecision("low=q8,high=q4,top1=0.9")).toThrow(/low must be a lower precision/);
    expect(() => parseMixedPrecision("top1=2")).toThrow(/budget\.minTop1Agreement/);
  });
});

describe("edgetune compress --ensemble", () => {
  it("writes onnx/model_ensemble.onnx: at the members' mean, apart from each member, progress only with --verbose", async () => {
    const bert = join(bertFixture, "model.onnx");
    const members = join(dir, "members");
    // two other members, made by the CLI itself: the q4 and q8 variants of the same model
    expect(
      (
        await edgetuneInProcess(
          "compress",
          bert,
          "--recipe",
          "q4,q8",
          "--out",
          members,
          "--latency-runs",
          "0",
        )
      ).code,
    ).toBe(0);
    const q4 = join(members, "onnx", "model_q4.onnx");
    const q8 = join(members, "onnx", "model_quantized.onnx");
    const out = join(dir, "ensemble-out");
    const { code, stdout, stderr } = edgetune(
      "compress",
      bert,
      "--ensemble",
      `${q4},${q8}`,
      "--out",
      out,
      "--latency-runs",
      "0",
      "--verbose",
    );
    expect(stderr).toBe("[1/2] original verified\n[2/2] ensemble: verified\n");
    expect(code).toBe(0);
    const file = join(out, "onnx", "model_ensemble.onnx");
    expect(stdout).toContain(`wrote ${file}`);
    expect(stdout).toMatch(/\| mean of the members \| 1\.0000\d+ \| \d\.\d+e-[6-9] \| 100\.0 % \|/);
    const json = JSON.parse(readFileSync(join(out, "compression-report.json"), "utf8"));
    expect(json.variants.map((v: { variant: string }) => v.variant)).toEqual(["original", "ensemble"]);
    const step = json.variants[1].steps[0] as {
      report: { members: { file: string; relativeError: number }[]; mean: { relativeError: number } };
    };
    expect(step.report.members.map((m) => m.file)).toEqual([bert, q4, q8]);
    // the mean to float32 rounding; each member (the fp32 model included) measurably elsewhere
    expect(step.report.mean.relativeError).toBeLessThan(1e-5);
    for (const m of step.report.members) expect(m.relativeError).toBeGreaterThan(1e-4);
    const merged = await readModelFile(file);
    const ops = merged.graph?.node.map((n) => n.opType) ?? [];
    expect(ops.filter((o) => o === "Mean")).toHaveLength(1);
    expect(ops).toContain("MatMulNBits");
    expect(ops).toContain("MatMulInteger");
    // one file holding all three, names compacted: smaller than the three files together
    const sizes = [bert, q4, q8].map((f) => readFileSync(f).length);
    expect(readFileSync(file).length).toBeLessThan(sizes.reduce((a, b) => a + b, 0));
  });
});

describe("edgetune compress: bad input fails in one line, writing nothing", () => {
  const base = decodeModel(readFileSync(modelPath("gpt2-legacy")));
  const graph = base.graph as GraphProto;
  const weight = graph.initializer.find((t) => (t.rawData?.length ?? 0) > 1000) as TensorProto;

  function save(name: string, model: ModelProto | Uint8Array): string {
    const folder = join(dir, "bad", name);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, "model.onnx");
    writeFileSync(file, model instanceof Uint8Array ? model : encodeModel(model));
    return file;
  }
  const withWeight = (t: TensorProto): ModelProto => ({
    ...base,
    graph: { ...graph, initializer: graph.initializer.map((x) => (x === weight ? t : x)) },
  });

  const cases: [string, () => string[], RegExp][] = [
    [
      "dims that multiply to more than the data",
      () => [save("dims", withWeight({ ...weight, dims: [...weight.dims, Long.fromNumber(4)] }))],
      new RegExp(
        `tensor "${weight.name}" declares dims .* but holds ${weight.rawData?.length} bytes of raw data`,
      ),
    ],
    [
      "a negative dimension",
      () => [save("negative", withWeight({ ...weight, dims: [Long.fromNumber(-1), ...weight.dims] }))],
      /has a negative dimension in dims \[-1,/,
    ],
    [
      "over 2^31 elements",
      () => [
        save(
          "huge",
          withWeight({
            ...weight,
            rawData: undefined,
            dims: [Long.fromNumber(2 ** 20), Long.fromNumber(2 ** 12)],
          }),
        ),
      ],
      /declares dims \[1048576, 4096\] = 4\.295e\+9 elements, over the 2147483647/,
    ],
    [
      "an operator outside the supported domains",
      () => {
        const out = graph.output[0]?.name ?? "";
        return [
          save("custom-op", {
            ...base,
            opsetImport: [...base.opsetImport, { domain: "com.example", version: Long.fromNumber(1) }],
            graph: {
              ...graph,
              node: [
                ...graph.node.map((n) => ({
                  ...n,
                  output: n.output.map((o) => (o === out ? `${out}_raw` : o)),
                })),
                makeNode("Frobnicate", [`${out}_raw`], [out], "frob", [], "com.example"),
              ],
            },
          }),
        ];
      },
      /unsupported operator Frobnicate \(node "frob"\) in domain com\.example/,
    ],
    [
      "external data outside the model's folder",
      () => {
        writeFileSync(join(dir, "bad", "secret.bin"), new Uint8Array(weight.rawData?.length ?? 0));
        return [
          save(
            "escape",
            withWeight({
              ...weight,
              rawData: undefined,
              dataLocation: 1,
              externalData: [{ key: "location", value: "../secret.bin" }],
            }),
          ),
        ];
      },
      /external data location "\.\.\/secret\.bin" of tensor .* goes up a folder/,
    ],
    [
      "a calibrated step without --calibration",
      () => {
        const recipe = join(dir, "bad", "wanda.json");
        writeFileSync(
          recipe,
          JSON.stringify({
            name: "w",
            output: "m_w.onnx",
            steps: [{ pass: "prune-importance", options: { sparsity: 0.5 } }],
          }),
        );
        return [modelPath("gpt2-legacy"), "--recipe", recipe];
      },
      /recipe w: step 1 \(prune-importance\) is calibrated from data: give --calibration/,
    ],
    [
      "the static-int8 preset without --calibration",
      () => [modelPath("gpt2-legacy"), "--recipe", "static-int8"],
      /recipe static-int8: step 1 \(quantize-static-int8\) is calibrated from data: give --calibration/,
    ],
    [
      "a recipe step that cannot handle an operator it meets",
      () => {
        // bert-legacy-trained (opset 17) plus a Split without sizes, whose meaning changed in opset 18:
        // blocked int4 DequantizeLinear needs opset 21, and the upgrade refuses to guess
        const bert = decodeModel(readFileSync(join(fixturesDir, "bert-legacy-trained", "model.onnx")));
        const g = bert.graph as GraphProto;
        const split = makeNode("Split", ["logits"], ["half_a", "half_b"], "split_logits", [
          intAttribute("axis", 1),
        ]);
        const file = save("split", { ...bert, graph: { ...g, node: [...g.node, split] } });
        const recipe = join(dir, "bad", "dq4.json");
        writeFileSync(
          recipe,
          JSON.stringify({
            name: "dq4",
            output: "m_dq4.onnx",
            steps: [{ pass: "quantize-4bit", options: { format: "dequantize-linear" } }],
          }),
        );
        return [file, "--recipe", recipe];
      },
      /recipe dq4: step 1 \(quantize-4bit\): cannot raise opset 17 → 21: Split changed meaning in opset 18/,
    ],
    [
      "an eval line without a label",
      () => {
        const evalFile = join(dir, "bad", "eval.jsonl");
        writeFileSync(
          evalFile,
          `${JSON.stringify({ inputs: { input_ids: [[1, 2, 3]], attention_mask: [[1, 1, 1]] }, label: 0 })}\n${JSON.stringify({ inputs: { input_ids: [[1, 2]], attention_mask: [[1, 1]] } })}\n`,
        );
        return [modelPath("gpt2-legacy"), "--eval", evalFile];
      },
      /eval\.jsonl:2: --eval lines need a "label"/,
    ],
    [
      "an ensemble member that is not compatible",
      () => [join(bertFixture, "model.onnx"), "--ensemble", modelPath("gpt2-legacy")],
      /^edgetune: --ensemble: .*gpt2-legacy.*model\.onnx is not compatible with .*bert-legacy-trained.*model\.onnx: output logits is FLOAT \[batch, sequence, 512\]/,
    ],
    [
      "an ensemble member that cannot be read",
      () => [modelPath("gpt2-legacy"), "--ensemble", join(dir, "bad", "missing.onnx")],
      /--ensemble .*missing\.onnx: ENOENT/,
    ],
  ];
  // through the real binary (a child process costs seconds): the first case and a failure in the
  // middle of a recipe (its progress must not reach stderr when stderr is not a terminal)
  const viaBinary = new Set([cases[0]?.[0], "a recipe step that cannot handle an operator it meets"]);

  it.each(cases)("%s", async (name, make, message) => {
    const args = make();
    const out = join(dir, "bad", `out-${name.replaceAll(" ", "-")}`);
    const withRecipe = args.includes("--recipe") ? args : [...args, "--recipe", "q8"];
    const argv = ["compress", ...withRecipe, "--out", out, "--latency-runs", "0"];
    const { code, stderr } = viaBinary.has(name) ? edgetune(...argv) : await edgetuneInProcess(...argv);
    expect(code).not.toBe(0);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
