// onnxruntime-web's graph optimization level, as the Worker would set it: the time to create a session
// in a fresh runtime (the cold start's largest part; client/wasm-session-options.ts), its first
// run, its warm run p50, and whether its outputs still equal those of the default level ("all"), for
// the fp32, q8 and q4 variants of the tiny spam classifier. Each measurement is a fresh Node process
// (ORT-web's wasm compiled and instantiated before the timed create, as workerd does at startup), the
// levels interleaved so they share the machine's conditions. Timings of one machine, compared as ratios,
// never asserted. Writes bench/results/ort-web-optimization.json.
//
//   node --import tsx bench/ort-web-optimization.ts [more.onnx ...]
//     (EDGETUNE_BENCH_RUNS: processes per cell, default 3; more BERT-style classifiers, inputs
//      input_ids/attention_mask/token_type_ids of any length, are measured beside the fixture's variants)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-web";
import { decodeModel, encodeModel } from "../compression/index.ts";
import { preset, runRecipe } from "../compression/recipes/index.ts";
import { median, writeResult } from "./report.ts";

const LEVELS = ["disabled", "basic", "extended", "all"] as const;
type Level = (typeof LEVELS)[number];
const fixture = "functions/inference/fixtures/tiny-spam";

interface Measured {
  createMs: number;
  firstRunMs: number;
  warmRunP50Ms: number;
  logits: number[];
}

/** In the child: one session at `level`, timed; the logits of a fixed 64-token input. */
async function measure(modelPath: string, level: Level): Promise<Measured> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = readFileSync(
    createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"),
  );
  // the runtime's one-time start (wasm compile and instance), which workerd does before any request
  const warmup = await ort.InferenceSession.create(
    readFileSync(join(fixture, "../tiny-encoder/model.onnx")),
    { graphOptimizationLevel: "disabled" },
  );
  await warmup.release();
  const bytes = new Uint8Array(readFileSync(modelPath));
  let t = performance.now();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  const createMs = performance.now() - t;
  const ids = Array.from({ length: 64 }, (_, i) => BigInt(i === 0 ? 2 : i === 63 ? 3 : 5 + ((i * 37) % 300)));
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const data = name === "input_ids" ? ids : ids.map(() => (name === "attention_mask" ? 1n : 0n));
    feeds[name] = new ort.Tensor("int64", BigInt64Array.from(data), [1, 64]);
  }
  t = performance.now();
  const first = await session.run(feeds);
  const firstRunMs = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < 300; i++) {
    t = performance.now();
    await session.run(feeds);
    warm.push(performance.now() - t);
  }
  const output = first[session.outputNames[0] as string] as ort.Tensor;
  return { createMs, firstRunMs, warmRunP50Ms: median(warm), logits: [...(output.data as Float32Array)] };
}

if (process.argv[2] === "--child") {
  const result = await measure(process.argv[3] as string, process.argv[4] as Level);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

const runs = Number(process.env.EDGETUNE_BENCH_RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), "edgetune-ortopt-"));
try {
  const fp32 = new Uint8Array(readFileSync(join(fixture, "model.onnx")));
  const variants: Record<string, string> = { fp32: join(fixture, "model.onnx") };
  for (const name of ["q8", "q4"]) {
    const { model } = await runRecipe(decodeModel(fp32), preset(name));
    variants[name] = join(dir, `${name}.onnx`);
    writeFileSync(variants[name] as string, encodeModel(model));
  }
  for (const extra of process.argv.slice(2)) variants[basename(extra)] = extra;
  const cells: Record<string, Record<Level, Measured[]>> = {};
  for (let r = 0; r < runs; r++) {
    for (const [variant, path] of Object.entries(variants)) {
      for (const level of LEVELS) {
        const child = spawnSync(
          process.execPath,
          ["--import", "tsx", fileURLToPath(import.meta.url), "--child", path, level],
          { encoding: "utf8", maxBuffer: 1 << 20 },
        );
        if (child.status !== 0) throw new Error(`${variant} ${level}: ${child.stderr}`);
        cells[variant] ??= { disabled: [], basic: [], extended: [], all: [] };
        cells[variant][level].push(JSON.parse(child.stdout) as Measured);
      }
    }
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const summary = Object.fromEntries(
    Object.entries(cells).map(([variant, byLevel]) => {
      const reference = (byLevel.all[0] as Measured).logits;
      const base = {
        create: median(byLevel.all.map((m) => m.createMs)),
        warm: median(byLevel.all.map((m) => m.warmRunP50Ms)),
      };
      return [
        variant,
        Object.fromEntries(
          LEVELS.map((level) => {
            const ms = byLevel[level];
            const create = median(ms.map((m) => m.createMs));
            const warm = median(ms.map((m) => m.warmRunP50Ms));
            const diff = Math.max(
              ...(ms[0] as Measured).logits.map((x, i) => Math.abs(x - (reference[i] ?? 0))),
            );
            return [
              level,
              {
                createMs: round(create),
                firstRunMs: round(median(ms.map((m) => m.firstRunMs))),
                warmRunP50Ms: round(warm),
                createOverAll: round(create / base.create),
                warmRunOverAll: round(warm / base.warm),
                maxAbsDiffFromAll: diff,
              },
            ];
          }),
        ),
      ];
    }),
  );
  const result = {
    model: "functions/inference/fixtures/tiny-spam (BERT classifier, 64 tokens) and its q8 and q4 presets",
    more: process.argv.slice(2),
    processesPerCell: runs,
    levels: summary,
  };
  writeResult("ort-web-optimization", result);
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
