// The codec must run where code generation from strings is forbidden (Cloudflare Workers: no eval,
// no new Function), which rules out protobufjs's own generated encode/decode. A child Node process
// with the same V8 restriction decodes and re-encodes every fixture; the same script shows that
// protobufjs's generated decoder does fail there, so the check would notice a regression. And the
// Worker-side modules import no Node built-ins.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));

const childScript = `
import { readFileSync } from "node:fs";
import { decodeModel, encodeModel, modelSummary } from "./compression/index.ts";
import { onnxRoot } from "./compression/onnx-io/schema.ts";
const results = {};
for (const name of ["bert-dynamo", "gpt2-legacy", "int4-matmul"]) {
  const dir = "compression/fixtures/" + name + "/";
  const bytes = readFileSync(dir + "model.onnx");
  const data = name === "bert-dynamo" ? { "model.onnx.data": readFileSync(dir + "model.onnx.data") } : {};
  const same = Buffer.from(encodeModel(decodeModel(bytes))).equals(bytes);
  const params = modelSummary(decodeModel(bytes, { externalData: data })).parameterCount;
  results[name] = { same, params };
}
let generated = "ran";
try { onnxRoot.lookupType("onnx.ModelProto").decode(readFileSync("compression/fixtures/int4-matmul/model.onnx")); }
catch (e) { generated = e.name; }
console.log(JSON.stringify({ results, generated }));
`;

describe("Worker safety", () => {
  it("decodes and encodes with code generation from strings disabled", () => {
    const root = join(here, "..", "..");
    const child = spawnSync(
      process.execPath,
      [
        "--disallow-code-generation-from-strings",
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        childScript,
      ],
      { cwd: root, encoding: "utf8", timeout: 60_000 },
    );
    expect(child.stderr).toBe("");
    const out = JSON.parse(child.stdout) as {
      results: Record<string, { same: boolean; params: number }>;
      generated: string;
    };
    expect(out.generated).toBe("EvalError");
    for (const name of ["bert-dynamo", "gpt2-legacy", "int4-matmul"]) {
      const ref = JSON.parse(
        readFileSync(join(root, "compression", "fixtures", name, "reference.json"), "utf8"),
      );
      expect(out.results[name]).toEqual({ same: true, params: ref.summary.parameterCount });
    }
  });

  it("keeps Node built-ins out of every module but files.ts", () => {
    const offenders = readdirSync(here)
      .filter(
        (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "files.ts" && f !== "test-fixtures.ts",
      )
      .filter((f) => /from\s+["'](node:|fs|path|os|crypto)/.test(readFileSync(join(here, f), "utf8")));
    expect(offenders).toEqual([]);
    expect(readFileSync(join(here, "files.ts"), "utf8")).toMatch(/from "node:fs\/promises"/); // the scan sees imports
  });
});
