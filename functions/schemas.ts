import { z } from "zod";

/** `GET /v1/health` response body. */
export const HealthResponse = z.object({
  status: z.literal("ok"),
  version: z.string().min(1),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
