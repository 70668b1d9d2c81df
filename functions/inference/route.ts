// `POST /v1/models/{name}/infer`: text classification at the edge, on any published variant and
// version. Needs the read scope. Texts longer than the model reads are refused (422) unless the
// caller asks for truncation, so nobody gets a confident label for a text the model never saw whole.
import { Hono } from "hono";
import type { TextClassifier } from "../../client/index.ts";
import { modelNotFound } from "../auth/access.ts";
import { assertScope, principalOf } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv, Env } from "../env.ts";
import { jsonBody } from "../json-body.ts";
import { Problem } from "../problem.ts";
import { getModel, getVersion } from "../registry/db.ts";
import { ModelName, parseParam, VersionName } from "../registry/names.ts";
import { Manifest } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import { chooseVariant, loadClassifier } from "./loaded-model.ts";
import { InferRequest, InferResponse } from "./schemas.ts";

/** The classifier of a model's version (latest by default) and variant (fp32 by default). */
export async function resolveClassifier(
  env: Env,
  name: string,
  requestedVersion: string | undefined,
  requestedVariant: string | undefined,
): Promise<{ classifier: TextClassifier; version: string; variant: string }> {
  if (!(await getModel(env.REGISTRY, name))) throw modelNotFound(name);
  const requested =
    requestedVersion === undefined ? undefined : parseParam(VersionName, "version", requestedVersion);
  const version = await getVersion(env.REGISTRY, name, requested);
  if (!version) {
    throw new Problem({
      status: 404,
      slug: "version-not-found",
      title: "Not Found",
      detail: requested
        ? `${name} has no published version ${requested}`
        : `${name} has no published version yet`,
    });
  }
  const manifestObject = await env.ARTIFACTS.get(blobKey(version.manifestSha256));
  if (!manifestObject) throw new Error(`manifest of ${name}@${version.version} is missing`);
  const manifest = Manifest.parse(await manifestObject.json());
  const variant = chooseVariant(manifest, requestedVariant);
  const classifier = await loadClassifier(env.ARTIFACTS, manifest, variant);
  return { classifier, version: version.version, variant: variant.dtype };
}

export const infer = new Hono<AppEnv>().post("/v1/models/:name/infer", async (c) => {
  const name = parseParam(ModelName, "name", c.req.param("name"));
  assertScope(await principalOf(c), "read", `to run model ${name}`);
  const request = await jsonBody(c.req.raw, InferRequest);
  const { classifier, version, variant } = await resolveClassifier(
    c.env,
    name,
    request.version,
    request.variant,
  );

  const texts = request.texts ?? [request.text as string];
  if (!request.truncation) {
    texts.forEach((text, index) => {
      const tokens = classifier.tokenCount(text);
      if (tokens > classifier.maxLength) {
        throw new Problem({
          status: 422,
          slug: "text-too-long",
          title: "Unprocessable Content",
          detail: `text ${index} is ${tokens} tokens; ${name} reads at most ${classifier.maxLength}. Shorten it or send "truncation": true`,
          extra: { index, tokens, maxTokens: classifier.maxLength },
        });
      }
    });
  }
  const predictions = await classifier.classify(texts);
  return c.json(
    conform(InferResponse, {
      model: name,
      version,
      variant,
      task: "text-classification",
      predictions,
    }),
  );
});
