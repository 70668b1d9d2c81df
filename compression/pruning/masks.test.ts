// Mask export, measured: the bits decode to exactly the pruned model's nonzero pattern, the JSON
// round-trips through its schema, and the safetensors file is read by the Python side the trainer
// uses (safetensors in .venv): every key is a real PyTorch parameter of the fixture's BERT with the
// same shape, and a 2:4 pattern (along ONNX's input dimension) shows up along PyTorch's rows —
// so the transposition for nn.Linear is right.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonEnvironment } from "../../training-runner/python-env.ts";
import { nmPrune } from "../passes/nm-prune.ts";
import { pruneMagnitude } from "../passes/prune-magnitude.ts";
import { findLinearWeights, floatValues, GraphEditor } from "./graph.ts";
import { extractMasks, masksToSafetensors, maskValues, parseMaskFile } from "./masks.ts";
import { trainedModel, trainedReference } from "./test-support.ts";

const base = trainedModel();

describe("pruning masks", () => {
  it("bits are the pruned model's nonzero pattern; JSON round-trips; torch names follow the graph", async () => {
    const { model, report } = await pruneMagnitude.apply(
      base,
      pruneMagnitude.options.parse({ sparsity: 0.6 }),
    );
    const file = parseMaskFile(JSON.stringify(extractMasks(model, report.prunedTensors as string[])));
    expect(file.masks).toHaveLength(14);
    const weights = new Map(
      findLinearWeights(new GraphEditor(model)).map((w) => [w.name, floatValues(w.tensor)]),
    );
    for (const m of file.masks) {
      const v = weights.get(m.onnxName) as Float32Array;
      const bits = maskValues(m);
      let mismatches = 0;
      v.forEach((x, i) => {
        if ((x !== 0 ? 1 : 0) !== bits[i]) mismatches++;
      });
      expect(mismatches).toBe(0);
      expect(m.kept).toBe(v.length - Math.round(v.length * 0.6));
    }
    const names = file.masks.map((m) => m.torchName);
    expect(names).toContain("bert.encoder.layer.0.attention.self.query.weight");
    expect(names).toContain("bert.encoder.layer.1.output.dense.weight");
    expect(names).toContain("classifier.weight");
    expect(file.masks.find((m) => m.torchName === "classifier.weight")?.transposedFromTorch).toBe(false);
    expect(file.masks.find((m) => m.onnxName.startsWith("onnx::"))?.transposedFromTorch).toBe(true);
    // without names: every weight with a zero; an unpruned model has none
    expect(extractMasks(base).masks).toHaveLength(0);
    expect(() => parseMaskFile({ format: "other", version: 1, masks: [] })).toThrow();
  });

  it("safetensors masks load in Python under PyTorch's parameter names, shapes and layout", async () => {
    const { model } = await nmPrune.apply(base, nmPrune.options.parse({}));
    const dir = mkdtempSync(join(tmpdir(), "edgetune-masks-"));
    try {
      const path = join(dir, "masks.safetensors");
      writeFileSync(path, masksToSafetensors(extractMasks(model)));
      const { parameters } = trainedReference();
      // safetensors' own reader (numpy flavour: importing torch/transformers costs ~10 s of CPU); the
      // parameter names and shapes were recorded from the PyTorch model by the fixture script
      const script = `
import json, sys
from safetensors.numpy import load_file
masks = load_file(sys.argv[1])
params = json.loads(sys.argv[2])
out = {}
for name, mask in masks.items():
    rows = mask.reshape(mask.shape[0], -1, 4)  # PyTorch [out, in]: groups of 4 inputs along each row
    out[name] = {"same_shape": params.get(name) == list(mask.shape), "dtype": str(mask.dtype),
                 "min_zeros_per_group": int((~rows).sum(-1).min())}
print(json.dumps(out))
`;
      const py = spawnSync(pythonEnvironment(), ["-c", script, path, JSON.stringify(parameters)], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(py.status, py.stderr).toBe(0);
      const result = JSON.parse(py.stdout.trim().split("\n").pop() as string) as Record<
        string,
        { same_shape: boolean; dtype: string; min_zeros_per_group: number }
      >;
      expect(Object.keys(result)).toHaveLength(14);
      for (const r of Object.values(result))
        expect(r).toEqual({ same_shape: true, dtype: "bool", min_zeros_per_group: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
