// `POST /v1/models/{name}/infer`: text classification at the edge, on any published variant and
// version. Needs the read scope. Texts longer than the model reads are refused (422) unless the
// caller asks for truncation, so nobody gets a confident label for a text the model never saw whole.
import { Hono } from "hono";
import { modelNotFound } from "../auth/access.ts";
import { assertScope, principalOf } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import { getModel, getVersion } from "../registry/db.ts";
import { ModelName, parseParam, VersionName } from "../registry/names.ts";
import { Manifest } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import { chooseVariant, loadClassifier } from "./loaded-model.ts";
import { InferRequest, InferResponse } from "./schemas.ts";

export const infer = new Hono<AppEnv>().post("/v1/models/:name/infer", async (c) => {
  const name = parseParam(ModelName, "name", c.req.param("name"));
  assertScope(await principalOf(c), "read", `to run model ${name}`);
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new Problem({
      status: 400,
      slug: "invalid-json",
      title: "Bad Request",
      detail: "the body is not valid JSON",
    });
  }
  const request = InferRequest.parse(body);
  if (!(await getModel(c.env.REGISTRY, name))) throw modelNotFound(name);
  const requested =
    request.version === undefined ? undefined : parseParam(VersionName, "version", request.version);
  const version = await getVersion(c.env.REGISTRY, name, requested);
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
  const manifestObject = await c.env.ARTIFACTS.get(blobKey(version.manifestSha256));
  if (!manifestObject) throw new Error(`manifest of ${name}@${version.version} is missing`);
  const manifest = Manifest.parse(await manifestObject.json());
  const variant = chooseVariant(manifest, request.variant);
  const classifier = await loadClassifier(c.env.ARTIFACTS, manifest, variant);

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
      version: version.version,
      variant: variant.dtype,
      task: "text-classification",
      predictions,
    }),
  );
});
