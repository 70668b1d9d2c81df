// Bodies of the job routes: a job as the API shows it, and its events.
import { z } from "zod";

export const JobStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  id: z.string(),
  object: z.literal("job"),
  kind: z.string(),
  model: z.string(),
  version: z.string(),
  status: JobStatus,
  request: z.unknown(),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Job = z.infer<typeof Job>;

export const JobEvent = z.object({
  seq: z.number().int(),
  at: z.string(),
  type: z.string(),
  data: z.unknown(),
});
export type JobEvent = z.infer<typeof JobEvent>;

export const JobEventList = z.object({ object: z.literal("list"), data: z.array(JobEvent) });
