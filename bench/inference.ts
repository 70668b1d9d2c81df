// Inference through the edge API in local workerd (functions/local.ts) next to the same model run
// in-process, in one run: warm single-text classification end to end over HTTP (tokenize, WASM
// session, softmax, JSON) against session.run alone in onnxruntime-node and in onnxruntime-web (the
// WASM build the Worker runs, here in Node), on the same model (functions/inference's tiny-spam
// classifier, published as a version) and the same tokenized inputs, timed in interleaved rounds (one
// of each per round, so differences are taken round by round under the same conditions); cold start (the first inference
// request a freshly started workerd answers); a load run with bounded concurrency on loopback, with its
// errors and the workerd process's resident memory. Requests go over kept-alive node:http connections:
// Node's fetch spends about a millisecond a request of its own, so the health floor is reported both
// ways. workerd does not report an isolate's heap to its embedder, so memory is the RSS of the workerd
// process (/proc), which includes the runtime itself. Each Worker response's Server-Timing header
// (functions/inference/server-timing.ts) splits its time inside the isolate (resolve, load, tokenize,
// run, total), so the Worker's overhead over onnxruntime-web's session.run is reported both inside the
// isolate and end to end, and the first request of a fresh workerd is split from the process boot
// (measured by a first GET /v1/health) into handler time and the rest. GET /v1/health's warm p50 is the
// floor of any request. Timings of one machine, compared as ratios, never asserted. Writes
// bench/results/inference.json.
//
//   node --import tsx bench/inference.ts    (EDGETUNE_BENCH_RUNS: timed warm rounds, default 300;
//                                            EDGETUNE_BENCH_LOAD: concurrency × requests, default 8x200)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { createTextClassifier } from "../client/index.ts";
import { WASM_SESSION_OPTIONS } from "../client/wasm-session-options.ts";
import { type LocalWorker, startLocalWorker } from "../functions/local.ts";
import { writeResult } from "./report.ts";

const RUNS = Number(process.env.EDGETUNE_BENCH_RUNS ?? 300);
const [CONCURRENCY, PER_CLIENT] = (process.env.EDGETUNE_BENCH_LOAD ?? "8x200").split("x").map(Number) as [
  number,
  number,
];
const COLD_STARTS = 3;
const token = "bench-token";
const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const fixture = "functions/inference/fixtures/tiny-spam";
const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as {
  maxLength: number;
  samples: string[];
  predictions: { label: string }[];
};
const texts = expected.samples;
const modelBytes = new Uint8Array(readFileSync(join(fixture, "model.onnx")));

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
function percentile(times: readonly number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const summary = (times: readonly number[]) => ({
  runs: times.length,
  p50Ms: round(percentile(times, 50)),
  p95Ms: round(percentile(times, 95)),
});

/** Resident memory (MiB) of the workerd processes this process started, from /proc. */
function workerdRssMiB(): number {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "rss=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  } catch {
    return Number.NaN;
  }
  const kib = out
    .split("\n")
    .filter((l) => l.includes("workerd"))
    .reduce((s, l) => s + Number(l.trim().split(/\s+/)[0]), 0);
  return round(kib / 1024, 1);
}

/** Kept-alive connections the server had closed while idle, retried on a new one (as client/api-client.ts does). */
let droppedConnections = 0;

/** Server-Timing phases (`name;dur=ms, ...`) of one response, in ms by name. */
function serverTiming(header: string | undefined): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const entry of (header ?? "").split(",")) {
    const match = /^\s*([\w-]+);dur=([\d.]+)\s*$/.exec(entry);
    if (match) phases[match[1] as string] = Number(match[2]);
  }
  return phases;
}

// The timed requests go through node:http with kept-alive connections, one per concurrent client: Node's
// fetch (undici) spends about a millisecond of its own on every request on this machine, which is the
// client's time, not the Worker's (warm.healthFetch shows it).
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over a kept-alive connection; a connection the server had closed is retried once on a new one. */
function request(
  worker: LocalWorker,
  method: string,
  path: string,
  body?: string,
  attempt = 0,
): Promise<Reply> {
  const url = new URL(path, worker.url);
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method, agent, headers: body ? auth : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  }).catch((e: NodeJS.ErrnoException) => {
    if (attempt > 0 || !["ECONNRESET", "EPIPE"].includes(e.code ?? "")) throw e;
    droppedConnections++;
    return request(worker, method, path, body, attempt + 1);
  });
}

/** One classification request for sample `i`; throws unless it is 200 with the fixture's label. Returns its Server-Timing. */
async function infer(worker: LocalWorker, i: number): Promise<Record<string, number>> {
  const text = texts[i] as string;
  const body = JSON.stringify({ text, version: "1", truncation: true });
  const res = await request(worker, "POST", "/v1/models/tiny-spam/infer", body);
  if (res.status !== 200) throw new Error(`infer: ${res.status} ${res.body}`);
  const label = (JSON.parse(res.body) as { predictions?: { label: string }[] }).predictions?.[0]?.label;
  if (label !== expected.predictions[i]?.label) throw new Error(`sample ${i}: label ${label}, want native's`);
  return serverTiming(res.headers["server-timing"] as string | undefined);
}

/** GET /v1/health (no auth, no model): the floor of any request through local workerd. */
async function health(worker: LocalWorker): Promise<void> {
  const res = await request(worker, "GET", "/v1/health");
  if (res.status !== 200) throw new Error(`health: ${res.status}`);
}

/** The same GET /v1/health through Node's fetch, for the client's own share. */
async function healthFetch(worker: LocalWorker): Promise<void> {
  const res = await fetch(`${worker.url}/v1/health`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`health: ${res.status}`);
}

/** p50 of each Server-Timing phase over these responses. */
function phaseP50s(responses: readonly Record<string, number>[]): Record<string, number> {
  const names = [...new Set(responses.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(
    names.map((n) => [
      n,
      round(
        percentile(
          responses.map((r) => r[n] ?? 0),
          50,
        ),
      ),
    ]),
  );
}

async function publish(worker: LocalWorker): Promise<void> {
  const files: Record<string, string> = {
    "config.json": "config.json",
    "tokenizer.json": "tokenizer.json",
    "tokenizer_config.json": "tokenizer_config.json",
    "onnx/model.onnx": "model.onnx",
  };
  for (const [path, local] of Object.entries(files)) {
    const res = await fetch(`${worker.url}/v1/models/tiny-spam/versions/1/files/${path}`, {
      method: "PUT",
      body: new Uint8Array(readFileSync(join(fixture, local))),
      headers: { authorization: auth.authorization },
    });
    if (res.status !== 201) throw new Error(`upload ${path}: ${res.status} ${await res.text()}`);
  }
  const res = await fetch(`${worker.url}/v1/models/tiny-spam/versions/1/publish`, {
    method: "POST",
    headers: { authorization: auth.authorization },
  });
  if (res.status !== 201) throw new Error(`publish: ${res.status} ${await res.text()}`);
}

/** The classifier's feeds for each text (tokenized as the Worker tokenizes), captured from its session.run. */
async function tokenizedFeeds(): Promise<Record<string, ortNode.Tensor>[]> {
  const session = await ortNode.InferenceSession.create(modelBytes);
  const captured: Record<string, ortNode.Tensor>[] = [];
  const spy = new Proxy(session, {
    get(target, key, receiver) {
      if (key === "run") {
        return (feeds: Record<string, ortNode.Tensor>) => {
          captured.push(feeds);
          return target.run(feeds);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const classifier = createTextClassifier({
    ort: ortNode,
    session: spy,
    tokenizerJson: JSON.parse(readFileSync(join(fixture, "tokenizer.json"), "utf8")),
    tokenizerConfig: JSON.parse(readFileSync(join(fixture, "tokenizer_config.json"), "utf8")),
    labels: ["ham", "spam"],
    maxLength: expected.maxLength,
  });
  for (const [i, text] of texts.entries()) {
    const [p] = await classifier.classify([text]);
    if (p?.label !== expected.predictions[i]?.label) throw new Error(`sample ${i}: not the fixture's label`);
  }
  await session.release();
  return captured;
}

const WARMUP = 200;

/**
 * Times each of `runners` on input i mod n, RUNS rounds after WARMUP untimed ones, one runner after the
 * other within a round: every figure shares the machine's conditions of that moment, and per-round
 * differences pair like with like.
 */
async function interleaved<K extends string>(
  runners: Record<K, (i: number) => Promise<unknown>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(runners) as K[];
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const name of names) {
      const t0 = performance.now();
      await runners[name](i % texts.length);
      if (i >= WARMUP) times[name].push(performance.now() - t0);
    }
  }
  return times;
}

/** session.run alone in onnxruntime-node and -web, on the feeds the Worker's tokenizer made. */
async function inProcessSessions(feeds: Record<string, ortNode.Tensor>[]) {
  // one intra-op thread: the Worker's WASM session is single-threaded too
  const node = await ortNode.InferenceSession.create(modelBytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.wasm.proxy = false;
  const require = createRequire(import.meta.url);
  ortWeb.env.wasm.wasmBinary = readFileSync(require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));
  // the Worker's own session options, so the two runs do the same work
  const web = await ortWeb.InferenceSession.create(modelBytes, WASM_SESSION_OPTIONS);
  const webFeeds = feeds.map((f) =>
    Object.fromEntries(
      Object.entries(f).map(([k, t]) => [k, new ortWeb.Tensor("int64", t.data as BigInt64Array, t.dims)]),
    ),
  );
  return {
    ortNode: (i: number) => node.run(feeds[i] as Record<string, ortNode.Tensor>),
    ortWeb: (i: number) => web.run(webFeeds[i] as Record<string, ortWeb.Tensor>),
    release: () => Promise.all([node.release(), web.release()]),
  };
}

async function loadRun(worker: LocalWorker) {
  droppedConnections = 0;
  const times: number[] = [];
  const errors: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      for (let k = 0; k < PER_CLIENT; k++) {
        const start = performance.now();
        try {
          await infer(worker, (client + k) % texts.length);
          times.push(performance.now() - start);
        } catch (e) {
          const cause = (e as { cause?: { code?: string; message?: string } }).cause;
          errors.push(`${(e as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    concurrency: CONCURRENCY,
    requests: CONCURRENCY * PER_CLIENT,
    errors: errors.length,
    /** requests whose kept-alive connection the server had closed, sent again on a new one (not errors) */
    retriedOnNewConnection: droppedConnections,
    /** the first few errors' messages, if any */
    errorSamples: errors.slice(0, 5),
    requestsPerSecond: round(times.length / seconds, 1),
    ...summary(times),
  };
}

const loadAtStart = loadavg()[0] as number;
const stateDir = mkdtempSync(join(tmpdir(), "edgetune-bench-"));
let worker = await startLocalWorker({ stateDir, devToken: token });
try {
  await publish(worker);
  const feeds = await tokenizedFeeds();

  // warm: the isolate has the session and tokenizer cached after the warm-up requests
  const phases: Record<string, number>[] = [];
  const sessions = await inProcessSessions(feeds);
  const times = await interleaved({
    worker: async (i) => phases.push(await infer(worker, i)),
    health: () => health(worker),
    healthFetch: () => healthFetch(worker),
    ortNode: sessions.ortNode,
    ortWeb: sessions.ortWeb,
  });
  await sessions.release();
  const inside = phaseP50s(phases.slice(-RUNS));
  const paired = (f: (k: number) => number) =>
    round(
      percentile(
        times.worker.map((_, k) => f(k)),
        50,
      ),
    );
  const warm = {
    worker: summary(times.worker),
    /** p50 of each Server-Timing phase of the same requests, measured inside the isolate */
    workerServerTimingP50Ms: inside,
    /** GET /v1/health end to end: loopback HTTP to workerd, no model work */
    health: summary(times.health),
    /** the same through Node's fetch (undici) instead of node:http: the client's own cost */
    healthFetch: summary(times.healthFetch),
    ortNode: summary(times.ortNode),
    ortWeb: summary(times.ortWeb),
    /** p50 over rounds of (worker − ortWeb) and (worker − health − ortWeb), each round's own figures */
    pairedP50Ms: {
      workerMinusOrtWeb: paired((k) => (times.worker[k] as number) - (times.ortWeb[k] as number)),
      workerMinusHealthMinusOrtWeb: paired(
        (k) => (times.worker[k] as number) - (times.health[k] as number) - (times.ortWeb[k] as number),
      ),
    },
  };
  const insideTotal = inside.total ?? Number.NaN;
  const insideRun = inside.run ?? Number.NaN;

  const rssIdle = workerdRssMiB();
  const load = await loadRun(worker);
  const rssAfterLoad = workerdRssMiB();

  // cold: a new workerd on the same state, its first request loads WASM, the model and the tokenizer
  const cold: {
    startMs: number;
    firstHealthMs: number;
    firstRequestMs: number;
    firstServerTiming: Record<string, number>;
    secondRequestMs: number;
    secondServerTiming: Record<string, number>;
  }[] = [];
  for (let k = 0; k < COLD_STARTS; k++) {
    await worker.stop();
    const s0 = performance.now();
    worker = await startLocalWorker({ stateDir, devToken: token });
    const s0h = performance.now();
    await health(worker);
    const s1 = performance.now();
    const firstServerTiming = await infer(worker, 0);
    const s2 = performance.now();
    const secondServerTiming = await infer(worker, 0);
    const s3 = performance.now();
    cold.push({
      startMs: round(s0h - s0, 1),
      firstHealthMs: round(s1 - s0h, 1),
      firstRequestMs: round(s2 - s1, 1),
      firstServerTiming,
      secondRequestMs: round(s3 - s2, 1),
      secondServerTiming,
    });
  }
  const firsts = cold.map((c) => c.firstRequestMs);
  const firstTotals = cold.map((c) => c.firstServerTiming.total ?? Number.NaN);

  const result = {
    // a busy machine stretches every figure; the ratios of one run share its conditions
    machine: {
      cpus: cpus().length,
      loadAverage1m: { start: round(loadAtStart, 2), end: round(loadavg()[0] as number, 2) },
    },
    model: "functions/inference/fixtures/tiny-spam (BERT classifier, 64 tokens max)",
    modelBytes: modelBytes.byteLength,
    inputs: `${texts.length} emails, one text per request, truncated to ${expected.maxLength} tokens`,
    warm,
    ratios: {
      workerP50OverOrtNodeP50: round(warm.worker.p50Ms / warm.ortNode.p50Ms, 2),
      workerP50OverOrtWebP50: round(warm.worker.p50Ms / warm.ortWeb.p50Ms, 2),
      ortWebP50OverOrtNodeP50: round(warm.ortWeb.p50Ms / warm.ortNode.p50Ms, 2),
      coldFirstRequestOverWarmP50: round(percentile(firsts, 50) / warm.worker.p50Ms, 1),
      /** inside the isolate: the handler's whole time over its own session.run (Server-Timing) */
      isolateTotalP50OverIsolateRunP50: round(insideTotal / insideRun, 2),
      isolateTotalP50OverOrtWebP50: round(insideTotal / warm.ortWeb.p50Ms, 2),
      isolateRunP50OverOrtWebP50: round(insideRun / warm.ortWeb.p50Ms, 2),
      /** end to end over the handler: HTTP, workerd's request dispatch, JSON, the client */
      workerP50OverIsolateTotalP50: round(warm.worker.p50Ms / insideTotal, 2),
      workerP50OverHealthP50: round(warm.worker.p50Ms / warm.health.p50Ms, 2),
    },
    overheadP50Ms: {
      isolateTotalMinusRun: round(insideTotal - insideRun),
      endToEndMinusIsolateTotal: round(warm.worker.p50Ms - insideTotal),
      endToEndMinusOrtWebRun: round(warm.worker.p50Ms - warm.ortWeb.p50Ms),
      /** what the Worker adds over onnxruntime-web's run beyond the loopback floor every request pays */
      endToEndMinusHealthMinusOrtWebRun: round(warm.worker.p50Ms - warm.health.p50Ms - warm.ortWeb.p50Ms),
    },
    // issue 5's targets, reported (never asserted: timings of a shared machine)
    targets: {
      workerAddsOverOrtWebP50Ms: {
        limit: 1,
        endToEnd: warm.pairedP50Ms.workerMinusOrtWeb,
        beyondHttpFloor: warm.pairedP50Ms.workerMinusHealthMinusOrtWeb,
      },
      coldFirstRequestMs: { limit: 600, p50: percentile(firsts, 50) },
    },
    coldStart: {
      runs: cold,
      firstRequestP50Ms: percentile(firsts, 50),
      firstRequestInsideIsolateP50Ms: percentile(firstTotals, 50),
    },
    load,
    memory: {
      what: "resident set of the workerd process (whole runtime; workerd does not expose an isolate's heap)",
      idleAfterWarmMiB: rssIdle,
      afterLoadMiB: rssAfterLoad,
    },
    notes: [
      "worker: POST /v1/models/tiny-spam/infer end to end over loopback HTTP (JSON, auth, tokenizer, WASM session)",
      "ortNode / ortWeb: session.run alone on the same tokenized feeds, one thread each, in this Node process",
      "workerServerTimingP50Ms: the Worker's Server-Timing phases (auth, parse, resolve = D1 + manifest, load = cached model, run = session.run, tokenize = tokenizer, tensors and softmax, total = the handler); workerd's clock ticks in whole milliseconds",
      "coldStart: startMs = startLocalWorker (wrangler bundles the Worker, Miniflare starts workerd, migrations) until it returns; firstHealthMs = the first GET /v1/health after that (the rest of workerd's boot: it goes on after ready, and the isolate's script); firstRequestMs = the first inference request after that, end to end, with its Server-Timing: load-wasm (ORT's wasm instance), load-read (R2), load-session (session, with ORT's one-time init), load-build (tokenizer)",
    ],
  };
  writeResult("inference", result);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await worker.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
