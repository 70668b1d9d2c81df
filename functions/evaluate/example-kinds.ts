// A generation evaluation holds one kind of example: prompts the Worker runs through the model, or
// predictions the caller already has. Both parse as one array (either shape per item), so this is where
// a request that mixes them, sends more prompts than the Worker should generate in one request, or
// passes generation options with predictions, is refused with a 400 that says which.
import { Problem } from "../problem.ts";
import {
  GENERATION_OPTIONS,
  type GenerationEvaluateRequest,
  MAX_EXAMPLES,
  MAX_GENERATED_EXAMPLES,
} from "./schemas.ts";

type Example = GenerationEvaluateRequest["examples"][number];
type Prompted = Extract<Example, { prompt: string }>;
type Predicted = Extract<Example, { prediction: string }>;

export type ExamplesByKind =
  | { kind: "prompts"; examples: Prompted[] }
  | { kind: "predictions"; examples: Predicted[] };

const badRequest = (slug: string, detail: string, extra?: Record<string, unknown>) =>
  new Problem({ status: 400, slug, title: "Bad Request", detail, ...(extra ? { extra } : {}) });

export function examplesByKind(request: GenerationEvaluateRequest): ExamplesByKind {
  const { examples } = request;
  const firstPrompt = examples.findIndex((e) => "prompt" in e);
  const firstPrediction = examples.findIndex((e) => "prediction" in e);
  if (firstPrompt >= 0 && firstPrediction >= 0) {
    throw badRequest(
      "mixed-examples",
      `examples mix {prompt, references} (example ${firstPrompt}), which the model generates for, and {prediction, references} (example ${firstPrediction}), which are scored as given: send one kind per request`,
      { prompt: firstPrompt, prediction: firstPrediction },
    );
  }
  if (firstPrediction >= 0) {
    const given = GENERATION_OPTIONS.filter((option) => request[option] !== undefined);
    if (given.length > 0) {
      throw badRequest(
        "generation-options-without-prompts",
        `${given.join(", ")} ${given.length === 1 ? "applies" : "apply"} to {prompt, references} examples, which the model generates for; these examples are {prediction, references}`,
        { options: given },
      );
    }
    return { kind: "predictions", examples: examples as Predicted[] };
  }
  if (examples.length > MAX_GENERATED_EXAMPLES) {
    throw badRequest(
      "too-many-examples",
      `${examples.length} {prompt, references} examples; the Worker generates at most ${MAX_GENERATED_EXAMPLES} per request (token by token, on its CPU time): send them in requests of ${MAX_GENERATED_EXAMPLES}, or send {prediction, references} to score up to ${MAX_EXAMPLES}`,
      { max: MAX_GENERATED_EXAMPLES },
    );
  }
  return { kind: "prompts", examples: examples as Prompted[] };
}
