import { describe, expect, it } from "vitest";
import { accuracy, classificationReport, f1, majorityBaseline } from "./classification.ts";

// Worked by hand (and as scikit-learn's classification_report gives for the same arrays):
// gold  a a a b b c
// pred  a a b b c c
const gold = ["a", "a", "a", "b", "b", "c"];
const pred = ["a", "a", "b", "b", "c", "c"];

describe("classification metrics", () => {
  it("accuracy counts exact matches", () => {
    expect(accuracy(gold, pred)).toBeCloseTo(4 / 6, 12);
  });

  it("per-class, macro and micro scores match the hand-worked values", () => {
    const r = classificationReport(gold, pred);
    expect(r.perClass.a).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(r.perClass.b?.precision).toBeCloseTo(0.5, 12);
    expect(r.perClass.b?.recall).toBeCloseTo(0.5, 12);
    expect(r.perClass.c?.precision).toBeCloseTo(0.5, 12);
    expect(r.perClass.c?.recall).toBeCloseTo(1, 12);
    expect(r.macro.f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    // single-label micro F1 equals accuracy
    expect(r.micro.f1).toBeCloseTo(4 / 6, 12);
    expect(r.confusion.a).toEqual({ a: 2, b: 1, c: 0 });
    expect(r.confusion.b).toEqual({ a: 0, b: 1, c: 1 });
    expect(f1(gold, pred)).toBeCloseTo(r.macro.f1, 12);
  });

  it("a never-predicted class scores 0 rather than NaN", () => {
    const r = classificationReport(["x", "y"], ["x", "x"]);
    expect(r.perClass.y).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(Number.isFinite(r.macro.f1)).toBe(true);
  });

  it("the majority baseline is the most frequent label's share", () => {
    expect(majorityBaseline(["ham", "spam", "ham", "ham"])).toEqual({ label: "ham", accuracy: 0.75 });
  });

  it("mismatched or empty inputs are refused", () => {
    expect(() => accuracy(["a"], [])).toThrow(/1 labels but predictions has 0/);
    expect(() => accuracy([], [])).toThrow(/no examples/);
  });
});
