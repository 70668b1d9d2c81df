import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../functions/openapi.ts";

describe("the served OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document (checked against the specification's JSON Schema)", async () => {
    const document = JSON.parse(JSON.stringify(openApiDocument("0.0.0-test", "http://edgetune.test")));
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("is refused by the same check when broken, so the check above means something", async () => {
    const document = JSON.parse(JSON.stringify(openApiDocument("0.0.0-test", "http://edgetune.test")));
    document.paths["/v1/models/{name}/infer"].post.responses = "none";
    const result = await new Validator().validate(document);
    expect(result.valid).toBe(false);
  });
});
