import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { close } from "./fixtures/reference.ts";
import { cohensKappa } from "./human.ts";
import { weightedKappa } from "./weighted-kappa.ts";

type Scores = Record<"none" | "linear" | "quadratic", number | null>;
interface KappaCase {
  scale: [number, number];
  kind: string;
  a: number[];
  b: number[];
  seen: Scores;
  scale_labels: Scores;
}
const fx = JSON.parse(readFileSync(new URL("./fixtures/weighted-kappa.json", import.meta.url), "utf8")) as {
  versions: Record<string, string>;
  cases: KappaCase[];
};
const same = (got: number | null, want: number | null) =>
  got === null || want === null ? got === want : close(got, want, 1e-12);

describe("weighted kappa matches scikit-learn's cohen_kappa_score", () => {
  it(`linear and quadratic on every case, over the scores seen and over the whole scale (sklearn ${fx.versions["scikit-learn"]})`, () => {
    const bad: string[] = [];
    fx.cases.forEach((c, n) => {
      const scale: number[] = [];
      for (let v = c.scale[0]; v <= c.scale[1]; v++) scale.push(v);
      for (const weights of ["linear", "quadratic"] as const) {
        const seen = weightedKappa(c.a, c.b, { weights });
        const whole = weightedKappa(c.a, c.b, { weights, categories: scale });
        if (!same(seen, c.seen[weights])) bad.push(`case ${n} ${weights}: ${seen}, want ${c.seen[weights]}`);
        if (!same(whole, c.scale_labels[weights])) {
          bad.push(`case ${n} ${weights} scale: ${whole}, want ${c.scale_labels[weights]}`);
        }
      }
      // unweighted: sklearn agrees with our plain Cohen's kappa
      if (!same(cohensKappa(c.a, c.b).kappa, c.seen.none)) bad.push(`case ${n} unweighted`);
    });
    expect(bad).toEqual([]);
    expect(fx.cases.length).toBeGreaterThan(30);
  });

  it("near misses cost less than far ones: linear and quadratic kappa exceed the unweighted one for off-by-one raters", () => {
    const a = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
    const b = [2, 2, 4, 4, 5, 1, 3, 3, 5, 4];
    const plain = cohensKappa(a, b).kappa as number;
    const linear = weightedKappa(a, b, { weights: "linear" }) as number;
    const quadratic = weightedKappa(a, b, { weights: "quadratic" }) as number;
    expect(linear).toBeGreaterThan(plain);
    expect(quadratic).toBeGreaterThan(linear);
    // reversing one rater's scale is maximal disagreement
    expect(
      weightedKappa(
        a,
        a.map((x) => 6 - x),
        { weights: "quadratic" },
      ),
    ).toBeLessThan(-0.9);
  });

  it("is undefined (null) when both raters always give one score; clear errors on bad input", () => {
    expect(weightedKappa([3, 3], [3, 3], { weights: "linear" })).toBeNull();
    expect(() => weightedKappa([1], [1, 2], { weights: "linear" })).toThrow(/1 items, rater 2 2/);
    expect(() => weightedKappa([1, 9], [1, 2], { weights: "linear", categories: [1, 2, 3] })).toThrow(
      /score 9 is not one of the categories/,
    );
    expect(() => weightedKappa([1], [1], { weights: "cubic" as "linear" })).toThrow(/linear" or "quadratic/);
  });
});
