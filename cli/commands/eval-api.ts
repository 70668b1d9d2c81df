// `edgetune eval --api`: a deployed model evaluated through the Worker's evaluate endpoint, the model
// running at the edge. {text, label} lines go through a classifier (at most 5000 per request), {prompt,
// references} lines through a text generator (greedy, at most 32 per request, as the endpoint allows);
// every request after the first reads the version the first one resolved. The scores are computed here
// from the model's predictions, as for a file of predictions, so the table is the local one and a corpus
// score (BLEU, chrF) covers every line rather than averaging per-request scores.
import { z } from "zod";
import { ApiError, EdgetuneApi } from "../../client/index.ts";
import { type ClassificationReport, classificationReport } from "../../evaluation/index.ts";
import { CliError } from "../errors.ts";
import { hasField, parseRow, readJsonl } from "./eval-jsonl.ts";

const labelledText = z.object({ text: z.string(), label: z.string() });
const promptLine = z.object({
  prompt: z.string().min(1, "an empty prompt"),
  references: z.union([z.string(), z.array(z.string()).min(1, "at least one reference")]),
});
/** The evaluate endpoint's limits per request (functions/evaluate/schemas.ts). */
const EXAMPLES_PER_REQUEST = 5000;
const PROMPTS_PER_REQUEST = 32;

export interface DeployedOptions {
  api: string;
  model: string;
  data: string;
  variant?: string;
  token?: string;
  /** Tokens generated at most per prompt ({prompt, references} lines only). */
  maxTokens?: number;
}

interface Served {
  model: string;
  version: string;
  variant: string;
}

export type DeployedEvaluation = Served &
  (
    | { kind: "classification"; report: ClassificationReport }
    | { kind: "generation"; predictions: string[]; references: string[][] }
  );

interface Target {
  client: EdgetuneApi;
  api: string;
  name: string;
  version: string | undefined;
  variant: string | undefined;
}

function targetOf(options: DeployedOptions): Target {
  const url = z.url({ protocol: /^https?$/ }).safeParse(options.api);
  if (!url.success) throw new CliError(`--api must be an http(s) URL, got ${JSON.stringify(options.api)}`);
  const spec = /^([^@\s]+)(?:@([^@\s]+))?$/.exec(options.model);
  if (!spec?.[1])
    throw new CliError(`--model must be <name> or <name>@<version>, got ${JSON.stringify(options.model)}`);
  const client = new EdgetuneApi(options.api.replace(/\/+$/, ""), options.token);
  return { client, api: options.api, name: spec[1], version: spec[2], variant: options.variant };
}

/** Sends `examples` in requests of `size`, every one after the first pinned to the version it resolved. */
async function inRequests<E, R extends { version: string; variant: string }>(
  target: Target,
  examples: E[],
  size: number,
  send: (chunk: E[], servedBy: { version?: string; variant?: string }) => Promise<R>,
): Promise<{ served: Served; results: R[] }> {
  let version = target.version;
  const results: R[] = [];
  for (let i = 0; i < examples.length; i += size) {
    const servedBy = {
      ...(version ? { version } : {}),
      ...(target.variant ? { variant: target.variant } : {}),
    };
    const result = await send(examples.slice(i, i + size), servedBy).catch((e: unknown) => {
      if (e instanceof ApiError) throw new CliError(`${target.api}: ${e.message}`);
      const code = (e as { cause?: { code?: string } }).cause?.code;
      throw new CliError(`cannot reach ${target.api}: ${code ?? (e as Error).message}`);
    });
    version = result.version;
    results.push(result);
  }
  const first = results[0];
  if (!first) throw new CliError("no examples");
  return { served: { model: target.name, version: first.version, variant: first.variant }, results };
}

/**
 * Runs the file's lines through a deployed model (POST /v1/models/{name}/evaluate): {text, label}
 * through a classifier, {prompt, references} through a text generator.
 */
export async function evaluateDeployed(options: DeployedOptions): Promise<DeployedEvaluation> {
  const target = targetOf(options);
  const rows = await readJsonl(options.data);
  if (hasField(rows[0], "prediction")) {
    throw new CliError(
      `${options.data}: {prediction, references} lines need no model; score them locally: edgetune eval ${options.data} (--api takes {text, label} or {prompt, references} lines)`,
    );
  }
  if (hasField(rows[0], "prompt")) {
    const lines = rows.map((r) => parseRow(promptLine, options.data, r));
    const { served, results } = await inRequests(target, lines, PROMPTS_PER_REQUEST, (chunk, by) =>
      target.client.evaluateGenerator(target.name, {
        examples: chunk,
        ...by,
        ...(options.maxTokens === undefined ? {} : { max_new_tokens: options.maxTokens }),
        // the table's scores are computed here over all lines; the cheapest metric keeps the Worker's share small
        metrics: ["bleu"],
      }),
    );
    return {
      kind: "generation",
      ...served,
      predictions: results.flatMap((r) => r.predictions),
      references: lines.map((l) => (typeof l.references === "string" ? [l.references] : l.references)),
    };
  }
  if (options.maxTokens !== undefined) {
    throw new CliError("--max-tokens is for {prompt, references} lines (a text generator)");
  }
  const examples = rows.map((r) => parseRow(labelledText, options.data, r));
  const { served, results } = await inRequests(target, examples, EXAMPLES_PER_REQUEST, (chunk, by) =>
    target.client.evaluateClassification(target.name, { examples: chunk, ...by }),
  );
  return {
    kind: "classification",
    ...served,
    report: classificationReport(
      examples.map((e) => e.label),
      results.flatMap((r) => r.predictions),
    ),
  };
}
