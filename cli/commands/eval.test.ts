import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgetuneApi } from "../../client/index.ts";
import { loadFixtures } from "../../evaluation/fixtures/reference.ts";
import { type LocalWorker, startLocalWorker } from "../../functions/local.ts";
import { evalCommand } from "./eval.ts";
import { evaluateDeployed } from "./eval-api.ts";

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
    const gen = file("gen.jsonl", `${lines.join("\n")}\n`);
    const { code, stdout, stderr } = edgetune("eval", gen, "--json");
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
    // ROUGE as rouge-score with use_stemmer=True (edgetune's setting, the evaluate endpoint's too), and
    // with --no-rouge-stemmer as with rouge-score's default; the report says which
    const meanRougeL = (useStemmer: boolean) =>
      (fx.rouge.find((r) => r.useStemmer === useStemmer)?.scores ?? []).reduce(
        (s, x) => s + (x.rougeL[2] ?? 0),
        0,
      ) / fx.cases.length;
    expect(report.rougeStemmer).toBe(true);
    expect(report.rouge.rougeL.fmeasure).toBeCloseTo(meanRougeL(true), 9);
    const plain = edgetune("eval", gen, "--json", "--no-meteor", "--no-rouge-stemmer");
    expect(plain.code).toBe(0);
    const plainReport = JSON.parse(plain.stdout);
    expect(plainReport.rougeStemmer).toBe(false);
    expect(plainReport.rouge.rougeL.fmeasure).toBeCloseTo(meanRougeL(false), 9);
    expect(meanRougeL(false)).not.toBeCloseTo(meanRougeL(true), 3);
  });

  it("prints a readable summary and can skip METEOR", () => {
    const path = file(
      "g.jsonl",
      `${JSON.stringify({ prediction: "the cat sat on the mat", references: ["the cat sat on the mat"] })}\n`,
    );
    const { code, stdout } = edgetune("eval", path, "--no-meteor");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^1 examples\n\s+BLEU\|#:1\|c:mixed\|e:no\|tok:13a\|s:exp\|v:2\.6\.0 = 100\.00 /);
    expect(stdout).toMatch(/\n {2}ROUGE F \(Porter stemmer\): rouge1 100\.00 .*rougeL 100\.00/);
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

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The CLI in a child process, without blocking this process (it hosts the local Worker). */
function edgetuneAsync(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { encoding: "utf8", env: { ...process.env, EDGETUNE_TOKEN: "", ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const TOKEN = "et_dev_eval_cli_test_91d2";
const fixtures = join(import.meta.dirname, "..", "..", "functions", "inference", "fixtures");

/** Uploads a model fixture's tokenizer, config and ONNX files as version 1 and publishes it. */
async function publishFixture(url: string, model: string, dir: string, onnx: Record<string, string>) {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const files: Record<string, string> = {
    "config.json": "config.json",
    "tokenizer.json": "tokenizer.json",
    "tokenizer_config.json": "tokenizer_config.json",
    ...onnx,
  };
  for (const [path, local] of Object.entries(files)) {
    const res = await fetch(`${url}/v1/models/${model}/versions/1/files/${path}`, {
      method: "PUT",
      body: new Uint8Array(readFileSync(join(dir, local))),
      headers: auth,
    });
    expect(res.status, await res.text()).toBe(201);
  }
  const published = await fetch(`${url}/v1/models/${model}/versions/1/publish`, {
    method: "POST",
    headers: auth,
  });
  expect(published.status, await published.text()).toBe(201);
}

describe("edgetune eval --api: a deployed model, through the Worker's evaluate endpoint", () => {
  const fixtureDir = join(fixtures, "tiny-spam");
  const gpt2Dir = join(fixtures, "tiny-gpt2");
  // Texts and what native onnxruntime predicts for them (functions/inference's fixture).
  const expected = JSON.parse(readFileSync(join(fixtureDir, "expected.json"), "utf8")) as {
    samples: string[];
    predictions: { label: string }[];
  };
  const native = expected.predictions.map((p) => p.label);
  // Gold labels: the native prediction, except on three examples where the model is made "wrong".
  const flip = new Set([0, 5, 9]);
  const gold = native.map((l, i) => (flip.has(i) ? (l === "spam" ? "ham" : "spam") : l));
  let worker: LocalWorker;
  let stateDir: string;
  let data: string;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "edgetune-eval-api-"));
    worker = await startLocalWorker({ stateDir, devToken: TOKEN });
    await publishFixture(worker.url, "tiny-spam", fixtureDir, { "onnx/model.onnx": "model.onnx" });
    await publishFixture(worker.url, "tiny-gpt2", gpt2Dir, { "onnx/model.onnx": "model_with_past.onnx" });
    data = file(
      "labelled.jsonl",
      `${expected.samples.map((text, i) => JSON.stringify({ text, label: gold[i] })).join("\n")}\n`,
    );
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("scores the model's own predictions: those of native onnxruntime, 3 of 16 against gold", async () => {
    const { code, stdout, stderr } = await edgetuneAsync([
      "eval",
      "--api",
      worker.url,
      "--model",
      "tiny-spam@1",
      "--data",
      data,
      "--token",
      TOKEN,
      "--json",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ model: "tiny-spam", version: "1", variant: "fp32", count: 16 });
    expect(report.accuracy).toBe(13 / 16);
    // the confusion table is gold × native prediction
    for (const g of ["ham", "spam"]) {
      for (const p of ["ham", "spam"]) {
        const n = gold.filter((x, i) => x === g && native[i] === p).length;
        expect(report.confusion[g][p], `${g}→${p}`).toBe(n);
      }
    }
  });

  it("prints the same table as eval of a file holding those predictions ($EDGETUNE_TOKEN, latest version)", async () => {
    const remote = await edgetuneAsync(
      ["eval", data, "--api", `${worker.url}/`, "--model", "tiny-spam", "--variant", "fp32"],
      { EDGETUNE_TOKEN: TOKEN },
    );
    expect(remote.stderr).toBe("");
    expect(remote.code).toBe(0);
    const predictions = file(
      "predicted.jsonl",
      `${gold.map((label, i) => JSON.stringify({ label, prediction: native[i] })).join("\n")}\n`,
    );
    const local = await edgetuneAsync(["eval", predictions]);
    expect(remote.stdout).toBe(`tiny-spam@1 fp32 (${worker.url}/)\n${local.stdout}`);
    expect(local.stdout).toMatch(/^16 examples {2}accuracy 81\.25%/);
  });

  it("an API refusal is one line on stderr and a non-zero exit", async () => {
    const r = await edgetuneAsync(["eval", "--api", worker.url, "--model", "tiny-spam", "--data", data]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^edgetune: http:\/\/127\.0\.0\.1:\d+: POST \/v1\/models\/tiny-spam\/evaluate: 401 [^\n]*\n$/,
    );
  });

  it("bad options, lines and refusals are clear errors (in process)", async () => {
    const evalWith = (...args: string[]) => evalCommand().exitOverride().parseAsync(args, { from: "user" });
    const api = { api: worker.url, data, token: TOKEN };
    await expect(evaluateDeployed({ ...api, model: "no-such-model" })).rejects.toThrow(/404 .*no-such-model/);
    await expect(evaluateDeployed({ ...api, model: "tiny-spam", variant: "q3" })).rejects.toThrow(/q3/);
    await expect(evaluateDeployed({ ...api, model: "tiny-spam@7" })).rejects.toThrow(/404/);
    await expect(evaluateDeployed({ ...api, model: "a@b@c" })).rejects.toThrow(
      /--model must be <name> or <name>@<version>/,
    );
    await expect(evaluateDeployed({ ...api, api: "not a url", model: "m" })).rejects.toThrow(
      /--api must be an http\(s\) URL/,
    );
    const generation = file("gen.jsonl", `${JSON.stringify({ prediction: "a", references: ["a"] })}\n`);
    await expect(evaluateDeployed({ ...api, model: "tiny-spam", data: generation })).rejects.toThrow(
      /gen\.jsonl: \{prediction, references\} lines need no model; score them locally: edgetune eval /,
    );
    const unlabelled = file("nolabel.jsonl", `${JSON.stringify({ text: "hello" })}\n`);
    await expect(evaluateDeployed({ ...api, model: "tiny-spam", data: unlabelled })).rejects.toThrow(
      /nolabel\.jsonl:1: label: /,
    );
    const closed = await freePort();
    await expect(
      evaluateDeployed({ ...api, api: `http://127.0.0.1:${closed}`, model: "tiny-spam" }),
    ).rejects.toThrow(`cannot reach http://127.0.0.1:${closed}: ECONNREFUSED`);
    await expect(evalWith("--api", worker.url, "--data", data)).rejects.toThrow(
      "--api needs --model <name>[@version]",
    );
    await expect(evalWith(data, "--model", "tiny-spam")).rejects.toThrow(
      "--model is for --api (evaluating a deployed model)",
    );
    await expect(evalWith()).rejects.toThrow(/no examples/);
  });

  it("runs {prompt, references} lines through the text generator (in requests of 32) and prints the local table for what inference generates", async () => {
    const prompts = ["one two three", "monday tuesday", "the cat"];
    const references = [["four five six seven"], ["wednesday thursday friday"], ["sat on the mat"]];
    // 35 lines: two requests to the evaluate endpoint (at most 32 prompts each)
    const lines = Array.from({ length: 35 }, (_, i) => ({
      prompt: prompts[i % 3] as string,
      references: references[i % 3] as string[],
    }));
    const promptsFile = file("prompts.jsonl", `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const client = new EdgetuneApi(worker.url, TOKEN);
    const inferred = await Promise.all(
      prompts.map(async (prompt) => (await client.generate("tiny-gpt2", { prompt, max_new_tokens: 5 })).text),
    );
    expect(inferred[0]).toBe(" four five six seven eight"); // transformers' greedy continuation (the fixture)
    const remote = await edgetuneAsync([
      "eval",
      promptsFile,
      "--api",
      worker.url,
      "--model",
      "tiny-gpt2@1",
      "--max-tokens",
      "5",
      "--token",
      TOKEN,
    ]);
    expect(remote.stderr).toBe("");
    expect(remote.code).toBe(0);
    const predictions = file(
      "generated.jsonl",
      `${lines.map((l, i) => JSON.stringify({ prediction: inferred[i % 3], references: l.references })).join("\n")}\n`,
    );
    const local = await edgetuneAsync(["eval", predictions]);
    expect(local.code).toBe(0);
    expect(remote.stdout).toBe(`tiny-gpt2@1 fp32 (${worker.url})\n${local.stdout}`);
    expect(local.stdout).toMatch(/^35 examples\n\s+BLEU\|#:1\|.* = \d+\.\d+ [\s\S]*METEOR /);

    const json = await edgetuneAsync(
      [
        "eval",
        promptsFile,
        "--api",
        worker.url,
        "--model",
        "tiny-gpt2",
        "--max-tokens",
        "2",
        "--json",
        "--no-meteor",
      ],
      { EDGETUNE_TOKEN: TOKEN },
    );
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ model: "tiny-gpt2", version: "1", variant: "fp32", count: 35 });
    expect(report.predictions[0]).toBe(" four five");
    expect(report.predictions).toHaveLength(35);
  });

  it("scores ROUGE as the evaluate endpoint does: one stemmer setting by default, the same one turned off", async () => {
    // lines on which the Porter stemmer changes ROUGE (runner/runs, cats/cat, studies/study)
    const lines = [
      { prediction: "running runners ran quickly", references: ["the runner runs quick"] },
      {
        prediction: "the cats were sitting on mats",
        references: ["a cat sat on the mat", "cats sit on a mat"],
      },
      { prediction: "studies studying studied", references: ["study studies studious"] },
    ];
    const scored = file("scored.jsonl", `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    type Rouge = Record<string, { precision: number; recall: number; fmeasure: number }>;
    const endpoint = async (options: Record<string, unknown>) => {
      const res = await fetch(`${worker.url}/v1/models/tiny-gpt2/evaluate`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ task: "generation", examples: lines, metrics: ["rouge"], ...options }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return ((await res.json()) as { metrics: { rouge: Rouge; rouge_stemmer: boolean } }).metrics;
    };
    const cli = async (...flags: string[]) => {
      const r = await edgetuneAsync(["eval", scored, "--json", "--no-meteor", ...flags]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { rouge: Rouge; rougeStemmer: boolean };
    };
    const apiDefault = await endpoint({});
    const cliDefault = await cli();
    expect(apiDefault.rouge_stemmer).toBe(true);
    expect(cliDefault.rougeStemmer).toBe(true);
    expect(cliDefault.rouge).toEqual(apiDefault.rouge);
    const apiPlain = await endpoint({ rouge_stemmer: false });
    const cliPlain = await cli("--no-rouge-stemmer");
    expect(apiPlain.rouge_stemmer).toBe(false);
    expect(cliPlain.rougeStemmer).toBe(false);
    expect(cliPlain.rouge).toEqual(apiPlain.rouge);
    // the setting matters on these lines, so equal numbers above are the same setting, not a coincidence
    expect(apiDefault.rouge.rouge1?.fmeasure).toBeGreaterThan(apiPlain.rouge.rouge1?.fmeasure ?? 1);
    expect(await cli("--rouge-stemmer")).toEqual(cliDefault);
  });

  it("bad generation lines, options and models are one-line errors", async () => {
    const api = { api: worker.url, token: TOKEN };
    const noReferences = file("noref.jsonl", '{"prompt":"one two","references":"three"}\n{"prompt":"one"}\n');
    await expect(evaluateDeployed({ ...api, model: "tiny-gpt2", data: noReferences })).rejects.toThrow(
      /^.*noref\.jsonl:2: references: /,
    );
    const prompts = file("p.jsonl", '{"prompt":"one two","references":["three"]}\n');
    await expect(evaluateDeployed({ ...api, model: "tiny-spam", data: prompts })).rejects.toThrow(
      /422 tiny-spam@1 \(fp32\) is not a text generator/,
    );
    await expect(evaluateDeployed({ ...api, model: "tiny-gpt2", data: data, maxTokens: 3 })).rejects.toThrow(
      "--max-tokens is for {prompt, references} lines (a text generator)",
    );
    const evalWith = (...args: string[]) => evalCommand().exitOverride().parseAsync(args, { from: "user" });
    await expect(evalWith(prompts, "--max-tokens", "3")).rejects.toThrow(
      "--max-tokens is for --api (evaluating a deployed model)",
    );
    const zero = await edgetuneAsync([
      "eval",
      prompts,
      "--api",
      worker.url,
      "--model",
      "tiny-gpt2",
      "--max-tokens",
      "0",
    ]);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toMatch(
      /^edgetune: option '--max-tokens <n>' argument '0' is invalid\. a whole number from 1 to 256\n$/,
    );
  });
});
