import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFixtures } from "../../evaluation/fixtures/reference.ts";

const bin = join(import.meta.dirname, "..", "..", "bin", "edgetune.js");
const edgetune = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const file = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "edgetune-eval-")), name);
  writeFileSync(path, text);
  return path;
};

describe("edgetune eval on generation lines", () => {
  it("prints the reference tools' corpus BLEU and chrF for the fixture corpus, plus ROUGE and METEOR", () => {
    const fx = loadFixtures();
    const lines = fx.cases.map((c) => JSON.stringify({ prediction: c.hypothesis, references: c.references }));
    const { code, stdout, stderr } = edgetune("eval", file("gen.jsonl", `${lines.join("\n")}\n`), "--json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const sacre = fx.bleu.corpus[0]; // default BLEU over the same cases
    expect(report.count).toBe(fx.cases.length);
    expect(report.bleu.formatted).toBe(sacre?.formatted);
    expect(report.bleu.score).toBeCloseTo(sacre?.score ?? Number.NaN, 9);
    const chrfPP = fx.chrf.corpus.find((c) => JSON.stringify(c.config) === '{"word_order":2}');
    expect(report.chrfPlusPlus.score).toBeCloseTo(chrfPP?.score ?? Number.NaN, 9);
    const meanMeteor = fx.meteor.reduce((s, x) => s + x, 0) / fx.meteor.length;
    expect(report.meteor).toBeCloseTo(meanMeteor, 6);
    const meanRougeL =
      (fx.rouge[0]?.scores ?? []).reduce((s, x) => s + (x.rougeL[2] ?? 0), 0) / fx.cases.length;
    expect(report.rouge.rougeL.fmeasure).toBeCloseTo(meanRougeL, 9);
  });

  it("prints a readable summary and can skip METEOR", () => {
    const path = file(
      "g.jsonl",
      `${JSON.stringify({ prediction: "the cat sat on the mat", references: ["the cat sat on the mat"] })}\n`,
    );
    const { code, stdout } = edgetune("eval", path, "--no-meteor");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^1 examples\n\s+BLEU\|#:1\|c:mixed\|e:no\|tok:13a\|s:exp\|v:2\.6\.0 = 100\.00 /);
    expect(stdout).toMatch(/rougeL 100\.00/);
    expect(stdout).not.toMatch(/METEOR/);
  });

  it("names the generation line that is malformed", () => {
    const path = file(
      "bad.jsonl",
      '{"prediction":"a","references":["a"]}\n{"prediction":"b","references":[]}\n',
    );
    const { code, stderr } = edgetune("eval", path);
    expect(code).not.toBe(0);
    expect(stderr.trim()).toBe(`edgetune: ${path}:2: references: at least one reference`);
  });
});
