import { describe, expect, it } from "vitest";
import { bleu, chrf, meteor, rouge, WordNet, type WordNetData } from "../../evaluation/index.ts";
import { api, problemOf } from "../../test/workers/api.ts";
import expected from "../inference/fixtures/tiny-spam/expected.json";
import { ClassificationEvaluation, GenerationEvaluation } from "./schemas.ts";
import { evaluate, publishSpam } from "./test-requests.ts";

describe("POST /v1/models/{name}/evaluate", () => {
  it("scores a classifier on labelled texts, with a bootstrap interval", async () => {
    await publishSpam("spam-eval");
    // gold labels: native onnxruntime's predictions, with the first four flipped
    const gold = expected.predictions.map((p, i) =>
      i < 4 ? (p.label === "spam" ? "ham" : "spam") : p.label,
    );
    const examples = expected.samples.map((text, i) => ({ text, label: gold[i] as string }));
    const res = await evaluate("spam-eval", { examples });
    expect(res.status).toBe(200);
    const body = ClassificationEvaluation.parse(await res.json());
    expect(body.count).toBe(16);
    expect(body.metrics.accuracy).toBeCloseTo(12 / 16, 12);
    expect(body.predictions).toEqual(expected.predictions.map((p) => p.label));
    const confusion = body.metrics.confusion;
    const total = Object.values(confusion).reduce(
      (n, row) => n + Object.values(row).reduce((a, b) => a + b, 0),
      0,
    );
    expect(total).toBe(16);
    const { lower, upper, estimate } = body.intervals.accuracy;
    expect(estimate).toBeCloseTo(12 / 16, 12);
    expect(lower).toBeLessThan(estimate);
    expect(upper).toBeGreaterThan(estimate);
  });

  it("scores generations with BLEU, chrF and ROUGE exactly as the evaluation library does", async () => {
    await publishSpam("gen-eval");
    const examples = [
      { prediction: "the dog sat on the mat", references: ["the cat is on the mat", "a cat sat on a mat"] },
      { prediction: "free money, click now!", references: "click now for free money" },
      { prediction: "running runners ran quickly", references: "the runner runs quick" },
    ];
    const scored = async (options: Record<string, unknown> = {}) => {
      const res = await evaluate("gen-eval", {
        task: "generation",
        examples,
        metrics: ["bleu", "chrf", "rouge"],
        ...options,
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return GenerationEvaluation.parse(await res.json());
    };
    const body = await scored();
    const preds = examples.map((e) => e.prediction);
    const refs = examples.map((e) => e.references);
    expect(body.metrics.bleu?.score).toBe(bleu(preds, refs).score);
    expect(body.metrics.bleu?.signature).toBe("nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
    expect(body.metrics.chrf?.score).toBe(chrf(preds, refs).score);
    // ROUGE with the Porter stemmer unless rouge_stemmer is false (edgetune eval's setting too), and saying so
    const stemmed = rouge(preds, refs, { useStemmer: true });
    const plain = rouge(preds, refs, { useStemmer: false });
    expect(body.metrics.rouge).toEqual(stemmed);
    expect(body.metrics.rouge_stemmer).toBe(true);
    const unstemmed = await scored({ rouge_stemmer: false });
    expect(unstemmed.metrics.rouge).toEqual(plain);
    expect(unstemmed.metrics.rouge_stemmer).toBe(false);
    expect(stemmed.rouge1?.fmeasure).toBeGreaterThan(plain.rouge1?.fmeasure ?? 1);
    expect((await scored({ metrics: ["bleu"] })).metrics.rouge_stemmer).toBeUndefined();
  });

  it("computes METEOR once WordNet is installed, and says how to install it before", async () => {
    await publishSpam("meteor-eval");
    const examples = [{ prediction: "the hound sat on the mat", references: "the dog sat on the mat" }];
    const before = await evaluate("meteor-eval", { task: "generation", examples, metrics: ["meteor"] });
    expect((await problemOf(before, 422)).detail).toMatch(/PUT \/v1\/system\/wordnet/);

    // a two-synset WordNet: enough to show the synonym stage at work
    const data: WordNetData = {
      version: "3.0",
      index: { n: { dog: [0], hound: [0], mat: [1] }, v: {}, a: {}, r: {} },
      exceptions: { n: {}, v: {}, a: {}, r: {} },
      synsets: [["dog", "hound"], ["mat"]],
    };
    const put = (token: "read" | "admin") =>
      api("/v1/system/wordnet", { method: "PUT", token, body: JSON.stringify(data) });
    await problemOf(await put("read"), 403);
    expect((await put("admin")).status).toBe(201);

    const after = GenerationEvaluation.parse(
      await (await evaluate("meteor-eval", { task: "generation", examples, metrics: ["meteor"] })).json(),
    );
    const withSynonyms = meteor(["the hound sat on the mat"], ["the dog sat on the mat"], {
      wordnet: new WordNet(data),
    });
    const withoutSynonyms = meteor(["the hound sat on the mat"], ["the dog sat on the mat"]);
    expect(after.metrics.meteor).toBe(withSynonyms);
    expect(withSynonyms).toBeGreaterThan(withoutSynonyms);
  });

  it("answers bad requests with problem+json", async () => {
    await problemOf(await evaluate("spam-eval", { examples: [] }), 400);
    await problemOf(
      await evaluate("spam-eval", { task: "generation", examples: [{ prediction: "a" }] }),
      400,
    );
    await problemOf(
      await evaluate("spam-eval", {
        task: "generation",
        examples: [{ prediction: "a", references: "a" }],
        metrics: ["cider"],
      }),
      400,
    );
    await problemOf(await evaluate("no-model", { examples: [{ text: "a", label: "ham" }] }), 404);
    await problemOf(
      await api("/v1/system/wordnet", { method: "PUT", token: "admin", body: '{"version":"3.1"}' }),
      400,
    );
  });

  it("refuses a text longer than the classifier reads without truncation, naming its example", async () => {
    await publishSpam("spam-long-eval");
    const texts = Array.from({ length: 40 }, (_, i) => `see you at lunch on day ${i}`);
    texts[35] = "free money now ".repeat(200);
    const examples = texts.map((text) => ({ text, label: "spam" }));
    const refused = await problemOf(await evaluate("spam-long-eval", { examples, truncation: false }), 422);
    expect(refused.type).toMatch(/text-too-long$/);
    expect(refused.detail).toMatch(/^text 35 is \d+ tokens; spam-long-eval reads at most 64\. /);
    expect(refused.index).toBe(35);
    const cut = ClassificationEvaluation.parse(await (await evaluate("spam-long-eval", { examples })).json());
    expect(cut.count).toBe(40);
  });
});
