// Text generation for `POST /v1/models/{name}/infer`: the prompt as given, or rendered from the caller's
// Jinja template (variables, few-shot examples, messages) or from the model's chat_template over
// messages; then decoded greedily or sampled (seeded) up to max_new_tokens, an end token or a stop string.
// A model that is not a causal language model (text-generator-check.ts), a template that does not parse
// or render, or a prompt longer than the model's positions, is a 422.
import { renderChat, renderPrompt, TemplateError } from "../../client/prompt-template.ts";
import type { SamplingOptions } from "../../client/sampling.ts";
import type { Env } from "../env.ts";
import { Problem } from "../problem.ts";
import { loadGenerator } from "./loaded-model.ts";
import { resolveVariant } from "./resolve.ts";
import type { GenerationRequest, GenerationResponse } from "./schemas.ts";
import { assertTextGenerator } from "./text-generator-check.ts";

function samplingOf(r: GenerationRequest): SamplingOptions | undefined {
  const asked =
    r.temperature !== undefined || r.top_k !== undefined || r.top_p !== undefined || r.seed !== undefined;
  if (!(r.do_sample ?? asked) || r.temperature === 0) return undefined;
  return {
    ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
    ...(r.top_k === undefined ? {} : { topK: r.top_k }),
    ...(r.top_p === undefined ? {} : { topP: r.top_p }),
  };
}

function promptOf(r: GenerationRequest, tokenizerConfig: Record<string, unknown>): string {
  if (r.prompt !== undefined) return r.prompt;
  try {
    if (r.template !== undefined) {
      return renderPrompt(
        r.template,
        { ...r.variables, ...(r.messages ? { messages: r.messages } : {}) },
        r.examples,
      );
    }
    return renderChat(tokenizerConfig, r.messages ?? []);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new Problem({
      status: 422,
      slug: "invalid-template",
      title: "Unprocessable Content",
      detail: error.message,
      extra: { template: r.template === undefined ? "chat_template" : "request" },
    });
  }
}

export async function generate(env: Env, name: string, r: GenerationRequest): Promise<GenerationResponse> {
  const { manifest, variant, version } = await resolveVariant(env, name, r.version, r.variant);
  assertTextGenerator(manifest, variant);
  const { generator, tokenizerConfig } = await loadGenerator(env.ARTIFACTS, manifest, variant);
  const prompt = promptOf(r, tokenizerConfig);
  const promptTokens = generator.tokenCount(prompt);
  if (promptTokens === 0 || promptTokens >= generator.maxPositions) {
    throw new Problem({
      status: 422,
      slug: "prompt-too-long",
      title: "Unprocessable Content",
      detail:
        promptTokens === 0
          ? "the prompt is empty"
          : `the prompt is ${promptTokens} tokens; ${name} has ${generator.maxPositions} positions for prompt and continuation together`,
      extra: { tokens: promptTokens, maxPositions: generator.maxPositions },
    });
  }
  const sampling = samplingOf(r);
  const out = await generator.generate(prompt, {
    maxNewTokens: r.max_new_tokens,
    ...(sampling ? { sampling } : {}),
    ...(r.seed === undefined ? {} : { seed: r.seed }),
    ...(r.stop ? { stop: r.stop } : {}),
  });
  return {
    model: name,
    version,
    variant: variant.dtype,
    task: "text-generation",
    prompt,
    text: out.text,
    finish_reason: out.finishReason,
    usage: { prompt_tokens: out.promptTokens, completion_tokens: out.tokenIds.length },
    kv_cache: generator.usesCache,
  };
}
