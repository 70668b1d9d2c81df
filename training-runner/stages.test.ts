import { describe, expect, it } from "vitest";
import { parseJob } from "./job.ts";

const minimal = {
  model: { base: "tiny-bert" },
  task: { labels: ["ham", "spam"] },
  data: { train: "train.jsonl" },
};

describe("job stages and precision", () => {
  it("keeps a stage to what it changes: no defaults filled in, techniques inherited when not listed", () => {
    const job = parseJob({
      ...minimal,
      techniques: [{ name: "dropout" }],
      stages: [
        { schedule: { learning_rate: 0.01 }, techniques: [{ name: "freeze", layers: 2 }] },
        { schedule: { learning_rate: 0.001 } },
        {},
      ],
    });
    expect(job.stages).toEqual([
      { schedule: { learning_rate: 0.01 }, techniques: [{ name: "freeze", layers: 2, patterns: [] }] },
      { schedule: { learning_rate: 0.001 } },
      {},
    ]);
    expect(job.precision).toBe("auto");
    expect(parseJob(minimal).stages).toBeUndefined();
  });

  it("names bad stage and precision fields", () => {
    const bad = (extra: Record<string, unknown>) => () => parseJob({ ...minimal, ...extra });
    expect(bad({ stages: [{ schedule: { stepz: 3 } }] })).toThrow(
      /stages\.0\.schedule: Unrecognized key: "stepz"/,
    );
    expect(bad({ stages: [{}, { schedule: { steps: 0 } }] })).toThrow(
      /stages\.1\.schedule\.steps: Too small/,
    );
    expect(bad({ stages: [{ techniques: [{ name: "swa" }, { name: "swa" }] }] })).toThrow(
      "invalid job: stages.0.techniques.1: swa is listed twice",
    );
    expect(bad({ stages: [] })).toThrow(/stages: Too small/);
    expect(bad({ precision: "fp8" })).toThrow(/precision: Invalid option/);
  });

  it("checks the adapter and augmentation options", () => {
    const technique = (t: Record<string, unknown>) => () => parseJob({ ...minimal, techniques: [t] });
    expect(
      parseJob({ ...minimal, techniques: [{ name: "adapters" }, { name: "augmentation" }] }).techniques,
    ).toEqual([
      { name: "adapters", size: 16, placement: ["attention", "ffn"], activation: "relu" },
      { name: "augmentation", deletion: 0.1, swap: 0, mask: 0 },
    ]);
    expect(technique({ name: "adapters", placement: ["ffn", "ffn"] })).toThrow(/list each placement once/);
    expect(technique({ name: "adapters", size: 0 })).toThrow(/techniques\.0\.size: Too small/);
    expect(technique({ name: "augmentation", deletion: 0 })).toThrow(/give deletion, swap or mask above 0/);
    expect(technique({ name: "augmentation", mask: 1 })).toThrow(/techniques\.0\.mask: Too big/);
  });
});
