// Text generation over a causal language model's onnxruntime session, one token at a time: tokenize the
// prompt (tokenizers.js), run the model, pick the next token (greedy or seeded sampling), decode, stop at
// the end-of-sequence token, a stop string or the token budget. A model exported with a KV cache
// (transformers.js / Optimum layout: past_key_values.{i}.key|value in, present.{i}.key|value out) is fed
// only the new token after the prompt; a model without one is re-run over the whole sequence.
// Like the classifier it takes the onnxruntime module as an argument, so it runs in Node, browsers
// and workerd alike.
import { Tokenizer } from "@huggingface/tokenizers";
import type { InferenceSession, Tensor } from "onnxruntime-common";
import { nextToken, type SamplingOptions, seededRandom } from "./sampling.ts";
import type { OrtModule } from "./text-classifier.ts";

export interface TextGeneratorOptions {
  ort: OrtModule;
  session: InferenceSession;
  tokenizerJson: object;
  tokenizerConfig: object;
  /** The model's config.json: eos_token_id and its position limit (n_positions, max_position_embeddings). */
  config?: Record<string, unknown>;
}

export interface GenerateOptions {
  /** Tokens to add at most. */
  maxNewTokens: number;
  /** Sampling; absent means greedy. */
  sampling?: SamplingOptions;
  /** Seed of the sampler's random source (default 0). */
  seed?: number;
  /** Generation ends before the first of these strings; the string is not returned. */
  stop?: readonly string[];
}

export type FinishReason = "eos" | "stop" | "length";

export interface Generation {
  text: string;
  tokenIds: number[];
  promptTokens: number;
  finishReason: FinishReason;
}

export interface TextGenerator {
  generate(prompt: string, options: GenerateOptions): Promise<Generation>;
  /** Tokens the prompt becomes. */
  tokenCount(text: string): number;
  /** Positions the model has: prompt and generated tokens together fit in these. */
  readonly maxPositions: number;
  /** Whether the model is run with its KV cache (only the new token per step). */
  readonly usesCache: boolean;
}

const PAST_PREFIX = "past_key_values.";

function idsOf(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === "number");
  return [];
}

function int64(ort: OrtModule, values: ArrayLike<number>, dims: number[]): Tensor {
  return new ort.Tensor(
    "int64",
    BigInt64Array.from(Array.from(values), (v) => BigInt(v)),
    dims,
  );
}

export function createTextGenerator(options: TextGeneratorOptions): TextGenerator {
  const { ort, session } = options;
  const config = options.config ?? {};
  const tokenizerConfig = options.tokenizerConfig as Record<string, unknown>;
  const tokenizer = new Tokenizer(options.tokenizerJson, options.tokenizerConfig);
  const eos = new Set(idsOf(config.eos_token_id));
  if (eos.size === 0 && typeof tokenizerConfig.eos_token === "string") {
    const id = tokenizer.token_to_id(tokenizerConfig.eos_token);
    if (id !== undefined) eos.add(id);
  }
  const maxPositions = Number(
    config.n_positions ?? config.max_position_embeddings ?? tokenizerConfig.model_max_length ?? 2048,
  );
  const pastInputs = session.inputNames.filter((n) => n.startsWith(PAST_PREFIX));
  const usesCache = pastInputs.length > 0;
  const logitsName = session.outputNames.includes("logits") ? "logits" : (session.outputNames[0] as string);

  /** An empty cache: each past input with its sequence axis 0, other axes from the model's metadata. */
  function emptyPast(): Record<string, Tensor> {
    const past: Record<string, Tensor> = {};
    for (const name of pastInputs) {
      const meta = session.inputMetadata.find((m) => m.name === name);
      const shape = meta?.isTensor ? meta.shape : [];
      if (shape.length !== 4 || typeof shape[1] !== "number" || typeof shape[3] !== "number") {
        throw new Error(
          `${name}: expected a [batch, heads, past, head_dim] input with fixed heads and head_dim`,
        );
      }
      const type = meta?.isTensor ? meta.type : "float32";
      const dims = [1, shape[1], 0, shape[3]];
      // the cache starts empty, so only its element type matters; later steps feed back the outputs
      if (type === "float32") past[name] = new ort.Tensor("float32", new Float32Array(0), dims);
      else if (type === "float16") past[name] = new ort.Tensor("float16", new Uint16Array(0), dims);
      else throw new Error(`${name}: a ${type} KV cache is not supported (float32 or float16)`);
    }
    return past;
  }

  function feeds(tokens: readonly number[], start: number, total: number): Record<string, Tensor> {
    const fresh = tokens.length - start;
    const f: Record<string, Tensor> = { input_ids: int64(ort, tokens.slice(start), [1, fresh]) };
    if (session.inputNames.includes("attention_mask")) {
      f.attention_mask = int64(ort, new Array<number>(total).fill(1), [1, total]);
    }
    if (session.inputNames.includes("position_ids")) {
      f.position_ids = int64(
        ort,
        Array.from({ length: fresh }, (_, i) => start + i),
        [1, fresh],
      );
    }
    if (session.inputNames.includes("token_type_ids")) {
      f.token_type_ids = int64(ort, new Array<number>(fresh).fill(0), [1, fresh]);
    }
    return f;
  }

  const decode = (ids: number[]) => tokenizer.decode(ids, { skip_special_tokens: true });

  return {
    maxPositions,
    usesCache,
    tokenCount: (text) => tokenizer.encode(text).ids.length,
    async generate(prompt, generateOptions) {
      const promptIds = tokenizer.encode(prompt).ids;
      if (promptIds.length === 0) throw new Error("the prompt is empty after tokenization");
      const random = seededRandom(generateOptions.seed ?? 0);
      const tokens = [...promptIds];
      const generated: number[] = [];
      let past = usesCache ? emptyPast() : {};
      let fed = 0; // tokens the cache already holds
      let text = "";
      let finishReason: FinishReason = "length";
      const budget = Math.min(generateOptions.maxNewTokens, maxPositions - promptIds.length);
      for (let step = 0; step < budget; step++) {
        const start = usesCache ? fed : 0;
        const outputs = await session.run({ ...feeds(tokens, start, tokens.length), ...past });
        const logits = outputs[logitsName] as Tensor;
        if (logits.type !== "float32")
          throw new Error(`${logitsName} is ${logits.type}; float32 logits are needed`);
        const vocab = logits.dims[logits.dims.length - 1] as number;
        const rows = (logits.data as Float32Array).length / vocab;
        const last = (logits.data as Float32Array).subarray((rows - 1) * vocab, rows * vocab);
        if (usesCache) {
          past = Object.fromEntries(
            pastInputs.map((name) => [name, outputs[`present.${name.slice(PAST_PREFIX.length)}`] as Tensor]),
          );
          fed = tokens.length;
        }
        const token = nextToken(last, generateOptions.sampling, random);
        if (eos.has(token)) {
          finishReason = "eos";
          break;
        }
        tokens.push(token);
        generated.push(token);
        text = decode(generated);
        const cut = earliestStop(text, generateOptions.stop ?? []);
        if (cut !== undefined) {
          text = text.slice(0, cut);
          finishReason = "stop";
          break;
        }
      }
      return { text, tokenIds: generated, promptTokens: promptIds.length, finishReason };
    },
  };
}

function earliestStop(text: string, stops: readonly string[]): number | undefined {
  let cut: number | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (cut === undefined || at < cut)) cut = at;
  }
  return cut;
}
