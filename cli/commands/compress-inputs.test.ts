// The --calibration / --eval reader: text through the model folder's tokenizer, raw tensors checked
// against the declared inputs, labels by index or by config.json name, and each bad line named.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeModel } from "../../compression/index.ts";
import { fixturesDir } from "../../compression/onnx-io/test-fixtures.ts";
import { readModelInputs } from "./compress-inputs.ts";

const dir = mkdtempSync(join(tmpdir(), "edgetune-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spamPath = join(
  import.meta.dirname,
  "..",
  "..",
  "functions",
  "inference",
  "fixtures",
  "tiny-spam",
  "model.onnx",
);
const spam = decodeModel(readFileSync(spamPath));
let n = 0;
function file(...lines: unknown[]): string {
  const path = join(dir, `f${n++}.jsonl`);
  writeFileSync(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n"));
  return path;
}

describe("readModelInputs", () => {
  it("tokenizes text lines, truncates to model_max_length and maps label names through config.json", async () => {
    const { feeds, examples } = await readModelInputs(
      file({ text: "win money now", label: "spam" }, { text: "word ".repeat(500), label: 0 }),
      spam,
      spamPath,
      true,
    );
    expect(feeds).toHaveLength(2);
    const ids = feeds[0]?.input_ids;
    expect(ids?.type).toBe("int64");
    expect(ids?.dims[0]).toBe(1);
    expect(ids?.dims[1]).toBeGreaterThan(3);
    expect(feeds[1]?.input_ids?.dims).toEqual([1, 64]);
    expect(Array.from(feeds[0]?.attention_mask?.data as BigInt64Array).every((v) => v === 1n)).toBe(true);
    expect(examples?.map((e) => e.labels)).toEqual([[1], [0]]);
  });

  it("takes raw tensors of the model's declared inputs", async () => {
    const { feeds } = await readModelInputs(
      file({ inputs: { input_ids: [[2, 5, 3]], attention_mask: [[1, 1, 1]] } }),
      spam,
      spamPath,
      false,
    );
    expect(Array.from(feeds[0]?.input_ids?.data as BigInt64Array)).toEqual([2n, 5n, 3n]);
  });

  it.each([
    [["{oops"], /f\d+\.jsonl:1: not valid JSON/],
    [[{ txt: "a" }], /:1: expected \{"text": …\} or \{"inputs": \{…\}\}/],
    [
      [{ inputs: { input_ids: [[1]] } }],
      /:1: inputs must be exactly the model's \(input_ids, attention_mask\); missing attention_mask/,
    ],
    [
      [{ inputs: { input_ids: [1, 2], attention_mask: [1, 1] } }],
      /:1: input input_ids has rank 1, the model declares 2/,
    ],
    [
      [{ inputs: { input_ids: [[1, 2], [3]], attention_mask: [[1, 1], [1]] } }],
      /:1: input_ids is not rectangular/,
    ],
    [
      [{ text: "a", label: "eggs" }],
      /:1: label "eggs" is not a class index and not in config\.json's label2id \(ham, spam\)/,
    ],
    [[{ text: "a", label: 1 }, { text: "b" }], /:2: --eval lines need a "label"/],
    [[""], /no examples/],
  ])("refuses %j, naming the line", async (lines, message) => {
    await expect(readModelInputs(file(...lines), spam, spamPath, true)).rejects.toThrow(message);
  });

  it("needs a tokenizer for text lines", async () => {
    const bare = join(fixturesDir, "bert-legacy-trained", "model.onnx");
    await expect(
      readModelInputs(file({ text: "a" }), decodeModel(readFileSync(bare)), bare, false),
    ).rejects.toThrow(/:1: text lines need tokenizer\.json next to .*model\.onnx or in its parent folder/);
  });
});
