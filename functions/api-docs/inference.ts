// OpenAPI paths of running models: inference (classification, generation, embeddings, raw tensors)
// and evaluation, plus the one-time WordNet upload METEOR needs.
import { z } from "zod";
import { EvaluateRequest, EvaluateResponse, MAX_GENERATED_EXAMPLES } from "../evaluate/schemas.ts";
import {
  ClassificationRequest,
  FeatureExtractionRequest,
  FeatureExtractionResponse,
  GenerationRequest,
  GenerationResponse,
  InferResponse,
  TensorRequest,
  TensorResponse,
} from "../inference/schemas.ts";
import { ModelName } from "../registry/names.ts";
import { type ApiArea, auth, badRequest, bearer, json, param, problem, ref } from "./common.ts";

const name = param("name", ModelName);
const oneOf = (...names: string[]) => ({ "application/json": { schema: { oneOf: names.map(ref) } } });

export const inferenceApi: ApiArea = {
  schemas: {
    ClassificationRequest,
    ClassificationResponse: InferResponse,
    GenerationRequest,
    GenerationResponse,
    FeatureExtractionRequest,
    FeatureExtractionResponse,
    TensorRequest,
    TensorResponse,
    EvaluateRequest,
    EvaluateResponse,
    WordNetUploadResponse: z.object({ version: z.string(), synsets: z.number().int() }),
  },
  paths: {
    "/v1/models/{name}/infer": {
      post: {
        summary:
          "Run a published variant: classification, text generation, feature extraction or raw tensors",
        description:
          "The task is `task`, or follows from the body: `inputs` → tensors; `prompt`, `template` or `messages` → text-generation; `text`/`texts` → text-classification. `version` and `variant` pick the model file (default: latest version, fp32).",
        security: bearer("read"),
        parameters: [name],
        requestBody: {
          required: true,
          content: oneOf(
            "ClassificationRequest",
            "GenerationRequest",
            "FeatureExtractionRequest",
            "TensorRequest",
          ),
        },
        responses: {
          200: {
            description: "The task's outputs",
            content: oneOf(
              "ClassificationResponse",
              "GenerationResponse",
              "FeatureExtractionResponse",
              "TensorResponse",
            ),
          },
          400: badRequest,
          ...auth,
          404: problem("No such model, version or variant"),
          413: problem("The input tensors exceed the element limit"),
          422: problem(
            "The model cannot take this request: text too long, prompt too long, bad template, a generation request to a model that is not a text generator (`not-a-text-generator`: its `logits` are not [batch, sequence, vocabulary]), or a tensor input that is unknown, missing or of the wrong dtype or shape (named)",
          ),
        },
      },
    },
    "/v1/models/{name}/evaluate": {
      post: {
        summary:
          "Score a variant on labelled texts (classification), on prompts it generates for, or score given generations",
        description: `\`task: "generation"\` takes one kind of example per request: \`{prompt, references}\` runs each prompt through the text generator's \`version\` and \`variant\` as inference does (greedy; \`max_new_tokens\`, \`stop\`, \`template\` with \`few_shot\`), at most ${MAX_GENERATED_EXAMPLES} per request, and the response adds \`version\`, \`variant\` and the \`predictions\`; \`{prediction, references}\` is scored as given. Classification runs \`{text, label}\` through the classifier's version and variant.`,
        security: bearer("read"),
        parameters: [name],
        requestBody: { required: true, content: json("EvaluateRequest") },
        responses: {
          200: { description: "Metrics", content: json("EvaluateResponse") },
          400: problem(
            `The body is invalid (each issue is listed), mixes {prompt, references} with {prediction, references} examples, holds more than ${MAX_GENERATED_EXAMPLES} prompts, or gives generation options with predictions`,
          ),
          ...auth,
          404: problem("No such model, version or variant"),
          422: problem(
            "The examples do not fit the model (a text or prompt too long, a bad template, prompts for a model that is not a text generator), or METEOR needs WordNet installed",
          ),
        },
      },
    },
    "/v1/system/wordnet": {
      put: {
        summary: "Install WordNet 3.0 (JSON) for METEOR's synonym stage",
        security: bearer("admin"),
        requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } },
        responses: {
          201: { description: "Installed", content: json("WordNetUploadResponse") },
          400: badRequest,
          ...auth,
        },
      },
    },
  },
};
