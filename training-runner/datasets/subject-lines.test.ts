import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exampleJobs, subjectLinesDir } from "../index.ts";
import { loadJobFile } from "../job.ts";
import {
  cleanSubject,
  SUBJECT_CUE,
  type SubjectLine,
  type SubjectLineDataset,
  writeSubjectLineDataset,
} from "./subject-lines.ts";

const readRows = (path: string) =>
  readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as SubjectLine);

describe("SpamAssassin subject lines", () => {
  let dataset: SubjectLineDataset;
  beforeAll(() => {
    dataset = writeSubjectLineDataset(mkdtempSync(join(tmpdir(), "subjects-")));
  });

  it("writes prompt/completion pairs, about 80/10/10, each prompt a body ending in the subject cue", () => {
    const { train, validation, test } = dataset.counts;
    expect(train).toBeGreaterThan(3000);
    expect(Math.round((validation / (train + validation + test)) * 10)).toBe(1);
    expect(test).toBe(validation);
    for (const row of readRows(dataset.train)) {
      expect(row.prompt.endsWith(SUBJECT_CUE)).toBe(true);
      expect(row.prompt.length).toBeLessThanOrEqual(400 + SUBJECT_CUE.length);
      expect(row.completion).toMatch(/^ \S/);
      expect(row.completion.trim().split(" ").length).toBeGreaterThanOrEqual(2);
      expect(row.completion).not.toMatch(/^ (re|fwd?):/i);
    }
  });

  it("holds no body in two splits, and is the same on every run", () => {
    const seen = new Set<string>();
    for (const path of [dataset.train, dataset.validation, dataset.test]) {
      for (const row of readRows(path)) {
        expect(seen.has(row.prompt)).toBe(false);
        seen.add(row.prompt);
      }
    }
    const again = writeSubjectLineDataset(mkdtempSync(join(tmpdir(), "subjects-")));
    expect(readFileSync(again.validation, "utf8")).toBe(readFileSync(dataset.validation, "utf8"));
  });

  it("drops reply and forward prefixes and list tags from subjects", () => {
    expect(cleanSubject("Re: [SAtalk] Re:  FW: new   rules")).toBe("new rules");
    expect(cleanSubject("Re[2]: hello there")).toBe("hello there");
    expect(cleanSubject("Reading list")).toBe("Reading list");
  });

  it("the example generation job trains a tiny GPT-2 on these splits", () => {
    const job = loadJobFile(exampleJobs.tinyGeneration);
    expect(job.model.base).toBe("tiny-gpt2");
    expect(job.task).toEqual({ type: "causal-lm", input: "prompt-completion" });
    expect(job.data.train).toBe(`${subjectLinesDir}/train.jsonl`);
    expect(job.data.validation).toBe(`${subjectLinesDir}/validation.jsonl`);
  });
});
