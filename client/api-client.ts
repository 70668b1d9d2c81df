// A typed client for the edge API (web-standard fetch only): what the CLI, the demo and runners
// use to publish versions, start compression jobs, run inference and evaluations. Errors carry the
// server's problem+json detail, so a caller can show one clear line.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: Record<string, unknown> | null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ManifestVariant {
  dtype: string;
  path: string;
  sha256: string;
  size: number;
}

export interface Manifest {
  name: string;
  version: string;
  files: { path: string; sha256: string; size: number }[];
  variants: ManifestVariant[];
}

export interface Job {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  result: unknown;
  error: string | null;
}

export interface JobEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

export interface ClassificationEvaluation {
  variant: string;
  version: string;
  count: number;
  metrics: { accuracy: number; macroF1: number; confusion: Record<string, Record<string, number>> };
  intervals: { accuracy: { lower: number; upper: number } };
  predictions: string[];
}

export interface GenerationEvaluation {
  count: number;
  metrics: {
    bleu?: { score: number; signature: string };
    chrf?: { score: number };
    rouge?: Record<string, { fmeasure: number }>;
    /** Whether ROUGE stemmed words (Porter) before matching; present when ROUGE was asked for. */
    rouge_stemmer?: boolean;
    meteor?: number;
  };
}

/** A text generator's evaluation: what it generated for each prompt, and the scores of those predictions. */
export interface GeneratorEvaluation extends GenerationEvaluation {
  model: string;
  version: string;
  variant: string;
  predictions: string[];
}

/** Prompts with references, run through a deployed text generator (greedy decoding, ≤32 per request). */
export interface GeneratorEvaluationRequest extends ServedBy {
  examples: { prompt: string; references: string | string[] }[];
  /** Default: bleu, chrf, rouge and meteor (meteor needs WordNet installed on the server). */
  metrics?: ("bleu" | "chrf" | "rouge" | "meteor")[];
  /** ROUGE with the Porter stemmer (the server's default: true). */
  rouge_stemmer?: boolean;
  max_new_tokens?: number;
  stop?: string[];
  /** A Jinja template each prompt is rendered with: it sees `prompt`, and `few_shot` as `examples`. */
  template?: string;
  few_shot?: Record<string, unknown>[];
}

/** An uploaded fine-tuning file (`POST /v1/files`). */
export interface FileObject {
  id: string;
  object: "file";
  bytes: number;
  filename: string;
  purpose: "fine-tune";
  lines: number;
  sha256: string;
}

/** A fine-tuning job, shaped like OpenAI's. */
export interface FineTuningJob {
  id: string;
  object: "fine_tuning.job";
  model: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  fine_tuned_model: string | null;
  /** The runner's artifacts in its artifact store (s3:// URIs), when it has one. */
  result_files: string[];
  training_file: string;
  validation_file: string | null;
  hyperparameters: { n_epochs: number | "auto"; steps: number; batch_size: number; learning_rate: number };
  error: { code: string; message: string; param: string | null } | null;
  edgetune: {
    output: { model: string; version: string };
    attempts: number;
    metrics: Record<string, number> | null;
  };
}

export interface FineTuningJobEvent {
  id: string;
  created_at: number;
  level: "info" | "warn" | "error";
  message: string;
  type: "message" | "metrics";
  data: Record<string, unknown>;
}

/** A runner's lease on a fine-tuning job (`POST /v1/runner/leases`). */
export interface RunnerLease {
  id: string;
  expires_at: number;
  ttl_seconds: number;
  job: FineTuningJob;
  trainer_job: Record<string, unknown> & { data: Record<string, unknown> };
  files: { training: { id: string; url: string }; validation: { id: string; url: string } | null };
  output: { model: string; version: string };
}

/** A file a runner stored in its artifact store. */
export interface RunnerArtifact {
  path: string;
  uri: string;
  sha256: string;
  size: number;
}

/** A runner's lease on a compression job too large for the Worker (`POST /v1/runner/compression-leases`). */
export interface CompressionLease {
  id: string;
  expires_at: number;
  ttl_seconds: number;
  job: Job;
  model: string;
  version: string;
  request: { recipes: (string | Record<string, unknown>)[]; source: string };
  /** The source ONNX file first, then its external data files. */
  files: { path: string; sha256: string; size: number; url: string }[];
}

/** A variant as a compression lease completes it: its manifest file entry and variant entry. */
export interface CompressedVariant {
  file: { path: string; sha256: string; size: number };
  variant: ManifestVariant & {
    irVersion: number;
    opsets: Record<string, number>;
    inputs: unknown[];
    outputs: unknown[];
  };
}

export interface RunnerEvent {
  type: string;
  level?: "info" | "warn" | "error";
  message?: string;
  data?: Record<string, unknown>;
  /** The event's number under its lease (from 0): the API stores a resent event once. */
  seq?: number;
}

/** An events route's answer: the batch's events, and of those how many were new or already stored. */
export interface EventsAccepted {
  accepted: number;
  stored: number;
  duplicates: number;
}

/** Which published version and ONNX variant (dtype) serves a request; the server's defaults otherwise. */
export interface ServedBy {
  variant?: string;
  version?: string;
}

/** What served a response. */
export interface Served {
  model: string;
  version: string;
  variant: string;
}

/** Text generation: exactly one of `prompt`, `template` (with variables/examples/messages) or `messages`. */
export interface GenerateRequest extends ServedBy {
  prompt?: string;
  template?: string;
  variables?: Record<string, unknown>;
  examples?: Record<string, unknown>[];
  messages?: { role: string; content: string }[];
  max_new_tokens?: number;
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
}

export interface Generation extends Served {
  task: "text-generation";
  /** The prompt as the model read it (after templates). */
  prompt: string;
  text: string;
  finish_reason: "eos" | "stop" | "length";
  usage: { prompt_tokens: number; completion_tokens: number };
  kv_cache: boolean;
}

/** Feature extraction: exactly one of `text` or `texts`. */
export interface EmbedRequest extends ServedBy {
  text?: string;
  texts?: string[];
  pooling?: "mean" | "cls";
  normalize?: boolean;
  truncation?: boolean;
}

export interface Embeddings extends Served {
  task: "feature-extraction";
  pooling: "mean" | "cls" | "model";
  normalized: boolean;
  dims: number;
  embeddings: number[][];
}

export type TensorDtype =
  | "float32"
  | "float64"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool";

/** A tensor to send: row-major data as an array or a typed array (BigInt64Array for int64 too). */
export interface TensorInput {
  dtype: TensorDtype;
  dims: number[];
  data: ArrayLike<number | bigint | boolean>;
}

/** A tensor as the API returns it; 64-bit integers beyond 2^53 come as decimal strings. */
export interface TensorOutput {
  dtype: string;
  dims: number[];
  data: (number | boolean | string)[];
}

export interface TensorOutputs extends Served {
  task: "tensors";
  outputs: Record<string, TensorOutput>;
}

// JSON has no 64-bit integers: the API reads them as decimal strings, and typed arrays need copying.
function tensorJson(tensor: TensorInput) {
  return {
    dtype: tensor.dtype,
    dims: tensor.dims,
    data: Array.from(tensor.data, (x) => (typeof x === "bigint" ? x.toString() : x)),
  };
}

export class EdgetuneApi {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  async request<T>(
    method: string,
    path: string,
    body?: Uint8Array | string | object,
    contentType?: string,
  ): Promise<T> {
    const headers = new Headers();
    if (this.token) headers.set("authorization", `Bearer ${this.token}`);
    let payload: Uint8Array | string | undefined;
    if (body instanceof Uint8Array || typeof body === "string") {
      payload = body;
      if (contentType) headers.set("content-type", contentType);
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers.set("content-type", "application/json");
    }
    const response = await this.#send(method, path, headers, payload);
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const problem = (parsed ?? null) as Record<string, unknown> | null;
      const detail = typeof problem?.detail === "string" ? problem.detail : response.statusText;
      throw new ApiError(`${method} ${path}: ${response.status} ${detail}`, response.status, problem);
    }
    return parsed as T;
  }

  // A kept-alive connection that the server closed while idle fails the next request on it before the
  // server sees it (undici: "other side closed", EPIPE); the pool may hold several such connections.
  // Requests that are safe to repeat are retried on another connection; creating jobs or publishing
  // is never repeated.
  async #send(method: string, path: string, headers: Headers, payload: Uint8Array | string | undefined) {
    const repeatable = method === "GET" || method === "PUT" || /\/(infer|evaluate)$/.test(path);
    for (let attempt = 0; ; attempt++) {
      try {
        return await fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: (payload ?? null) as RequestInit["body"],
        });
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code;
        const dropped = code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE";
        if (!repeatable || !dropped || attempt >= 4) throw err;
      }
    }
  }

  uploadFile(name: string, version: string, path: string, bytes: Uint8Array) {
    return this.request<{ sha256: string; size: number }>(
      "PUT",
      `/v1/models/${name}/versions/${version}/files/${path}`,
      bytes,
      "application/octet-stream",
    );
  }

  publish(name: string, version: string, options: { public?: boolean } = {}) {
    return this.request<{ manifestSha256: string; manifest: Manifest }>(
      "POST",
      `/v1/models/${name}/versions/${version}/publish`,
      options,
    );
  }

  manifest(name: string, version?: string) {
    return this.request<Manifest>(
      "GET",
      `/v1/models/${name}/manifest${version ? `?version=${version}` : ""}`,
    );
  }

  compress(name: string, version: string, recipes: (string | object)[]) {
    return this.request<Job>("POST", `/v1/models/${name}/versions/${version}/compress`, { recipes });
  }

  job(id: string) {
    return this.request<Job>("GET", `/v1/jobs/${id}`);
  }

  async jobEvents(id: string, after = 0) {
    return (await this.request<{ data: JobEvent[] }>("GET", `/v1/jobs/${id}/events?after=${after}`)).data;
  }

  /** Polls a job until it ends, reporting each new event once; throws when it fails. */
  async waitForJob(id: string, onEvent?: (event: JobEvent) => void, intervalMs = 250): Promise<Job> {
    let seen = 0;
    for (;;) {
      const job = await this.job(id);
      for (const event of await this.jobEvents(id, seen)) {
        seen = event.seq;
        onEvent?.(event);
      }
      if (job.status === "succeeded") return job;
      if (job.status === "failed" || job.status === "cancelled") {
        throw new ApiError(`job ${id} ${job.status}: ${job.error ?? "no detail"}`, 200, null);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  infer(
    name: string,
    body: { text?: string; texts?: string[]; variant?: string; version?: string; truncation?: boolean },
  ) {
    return this.request<{ predictions: { label: string; score: number }[] }>(
      "POST",
      `/v1/models/${name}/infer`,
      body,
    );
  }

  /** Text generation (`task: "text-generation"`). */
  generate(name: string, body: GenerateRequest) {
    return this.request<Generation>("POST", `/v1/models/${name}/infer`, { task: "text-generation", ...body });
  }

  /** One embedding per text (`task: "feature-extraction"`). */
  embed(name: string, body: EmbedRequest) {
    return this.request<Embeddings>("POST", `/v1/models/${name}/infer`, {
      task: "feature-extraction",
      ...body,
    });
  }

  /** Runs the model on the caller's tensors (`task: "tensors"`); `outputs` picks outputs (default all). */
  inferTensors(
    name: string,
    inputs: Record<string, TensorInput>,
    options: ServedBy & { outputs?: string[] } = {},
  ) {
    return this.request<TensorOutputs>("POST", `/v1/models/${name}/infer`, {
      task: "tensors",
      inputs: Object.fromEntries(Object.entries(inputs).map(([key, tensor]) => [key, tensorJson(tensor)])),
      ...options,
    });
  }

  evaluateClassification(
    name: string,
    body: { examples: { text: string; label: string }[]; variant?: string; version?: string },
  ) {
    return this.request<ClassificationEvaluation>("POST", `/v1/models/${name}/evaluate`, body);
  }

  evaluateGeneration(
    name: string,
    examples: { prediction: string; references: string[] }[],
    metrics?: string[],
    options: { rouge_stemmer?: boolean } = {},
  ) {
    return this.request<GenerationEvaluation>("POST", `/v1/models/${name}/evaluate`, {
      task: "generation",
      examples,
      ...(metrics ? { metrics } : {}),
      ...options,
    });
  }

  /** Runs prompts through a text generator's version and variant and scores what it generated. */
  evaluateGenerator(name: string, body: GeneratorEvaluationRequest) {
    return this.request<GeneratorEvaluation>("POST", `/v1/models/${name}/evaluate`, {
      task: "generation",
      ...body,
    });
  }

  installWordNet(json: string) {
    return this.request<{ synsets: number }>("PUT", "/v1/system/wordnet", json, "application/json");
  }

  /** Uploads a JSONL training or validation file. */
  uploadTrainingFile(jsonl: Uint8Array | string, filename = "train.jsonl") {
    return this.request<FileObject>(
      "POST",
      `/v1/files?purpose=fine-tune&filename=${encodeURIComponent(filename)}`,
      jsonl,
      "application/jsonl",
    );
  }

  /** A file's bytes, as uploaded. */
  async fileContent(id: string): Promise<Uint8Array> {
    const headers = new Headers();
    if (this.token) headers.set("authorization", `Bearer ${this.token}`);
    const path = `/v1/files/${id}/content`;
    const response = await this.#send("GET", path, headers, undefined);
    if (!response.ok) {
      const problem = (await response.json().catch(() => null)) as Record<string, unknown> | null;
      const detail = typeof problem?.detail === "string" ? problem.detail : response.statusText;
      throw new ApiError(`GET ${path}: ${response.status} ${detail}`, response.status, problem);
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  createFineTuningJob(body: {
    model: string;
    training_file: string;
    validation_file?: string;
    hyperparameters?: { n_epochs?: number; steps?: number; batch_size?: number; learning_rate?: number };
    suffix?: string;
    seed?: number;
    edgetune?: Record<string, unknown>;
  }) {
    return this.request<FineTuningJob>("POST", "/v1/fine_tuning/jobs", body);
  }

  fineTuningJob(id: string) {
    return this.request<FineTuningJob>("GET", `/v1/fine_tuning/jobs/${id}`);
  }

  /** A job's events, oldest first (the API lists them newest first). */
  async fineTuningEvents(id: string, limit = 1000) {
    const list = await this.request<{ data: FineTuningJobEvent[] }>(
      "GET",
      `/v1/fine_tuning/jobs/${id}/events?limit=${limit}`,
    );
    return list.data.reverse();
  }

  cancelFineTuningJob(id: string) {
    return this.request<FineTuningJob>("POST", `/v1/fine_tuning/jobs/${id}/cancel`);
  }

  /** Leases the oldest queued fine-tuning job; null when none is queued. */
  lease(ttlSeconds: number) {
    return this.request<RunnerLease | null>("POST", "/v1/runner/leases", { ttl_seconds: ttlSeconds });
  }

  heartbeat(lease: string, ttlSeconds?: number) {
    return this.request<RunnerLease>(
      "POST",
      `/v1/runner/leases/${lease}/heartbeat`,
      ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds },
    );
  }

  leaseEvents(lease: string, events: RunnerEvent[]) {
    return this.request<EventsAccepted>("POST", `/v1/runner/leases/${lease}/events`, { events });
  }

  completeLease(
    lease: string,
    body: {
      model_name: string;
      version: string;
      metrics?: Record<string, number>;
      trained_tokens?: number;
      artifacts?: RunnerArtifact[];
    },
  ) {
    return this.request<FineTuningJob>("POST", `/v1/runner/leases/${lease}/complete`, body);
  }

  failLease(lease: string, error: string | { message: string; code?: string }) {
    return this.request<FineTuningJob>("POST", `/v1/runner/leases/${lease}/fail`, { error });
  }

  /** Leases the oldest compression job left to runners; null when none waits. */
  leaseCompression(ttlSeconds: number) {
    return this.request<CompressionLease | null>("POST", "/v1/runner/compression-leases", {
      ttl_seconds: ttlSeconds,
    });
  }

  compressionHeartbeat(lease: string, ttlSeconds?: number) {
    return this.request<CompressionLease>(
      "POST",
      `/v1/runner/compression-leases/${lease}/heartbeat`,
      ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds },
    );
  }

  compressionEvents(lease: string, events: { type: string; data?: Record<string, unknown>; seq?: number }[]) {
    return this.request<EventsAccepted>("POST", `/v1/runner/compression-leases/${lease}/events`, {
      events,
    });
  }

  /** Uploads one variant file under a compression lease (into content-addressed storage). */
  uploadCompressionFile(lease: string, path: string, bytes: Uint8Array) {
    return this.request<{ path: string; sha256: string; size: number }>(
      "PUT",
      `/v1/runner/compression-leases/${lease}/files/${path}`,
      bytes,
      "application/octet-stream",
    );
  }

  completeCompression(lease: string, variants: CompressedVariant[]) {
    return this.request<Job>("POST", `/v1/runner/compression-leases/${lease}/complete`, { variants });
  }

  failCompression(lease: string, error: string) {
    return this.request<Job>("POST", `/v1/runner/compression-leases/${lease}/fail`, { error });
  }

  /** A published file's bytes (`GET /{name}/resolve/{version}/{path}`). */
  async download(name: string, version: string, path: string): Promise<Uint8Array> {
    const headers = new Headers();
    if (this.token) headers.set("authorization", `Bearer ${this.token}`);
    const url = `/${name}/resolve/${version}/${path}`;
    const response = await this.#send("GET", url, headers, undefined);
    if (!response.ok) {
      const problem = (await response.json().catch(() => null)) as Record<string, unknown> | null;
      const detail = typeof problem?.detail === "string" ? problem.detail : response.statusText;
      throw new ApiError(`GET ${url}: ${response.status} ${detail}`, response.status, problem);
    }
    return new Uint8Array(await response.arrayBuffer());
  }
}
