import { describe, expect, it } from "vitest";
import { exampleJobs, loadJobFile, spamAssassinDir } from "./index.ts";

describe("training-runner's face", () => {
  it("the example job reads the SpamAssassin splits from spamAssassinDir", () => {
    const job = loadJobFile(exampleJobs.tinyClassifier);
    expect(job.data.train).toBe(`${spamAssassinDir}/train.jsonl`);
    expect(job.data.validation).toBe(`${spamAssassinDir}/validation.jsonl`);
    expect(job.task).toEqual({ type: "sequence-classification", labels: ["ham", "spam"] });
  });
});
