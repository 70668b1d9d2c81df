// The sequence number a runner gives each event it sends under a lease (0, 1, 2, … per lease), so a
// batch sent again after its answer was lost is stored once (migration 0008). Optional, for runners
// that predate it; within one batch either every event carries one, in increasing order, or none does.
// The fine-tuning and the compression runner leases share this.
import { z } from "zod";
import { conform } from "./conform.ts";

export const RunnerSeq = z
  .int()
  .min(0)
  .describe(
    "The event's number under this lease, counted from 0 by the runner; a batch sent again with the same numbers stores each event once",
  );

/** Checks a batch's `seq`s: all present and strictly increasing, or all absent. */
export function checkBatchSeqs(events: { seq?: number | undefined }[], ctx: z.RefinementCtx): void {
  const numbered = events.filter((e) => e.seq !== undefined).length;
  if (numbered !== 0 && numbered !== events.length) {
    ctx.addIssue({
      code: "custom",
      path: ["events"],
      message: "either every event of a batch carries seq or none does",
    });
    return;
  }
  for (let i = 1; i < numbered; i++) {
    if ((events[i]?.seq as number) <= (events[i - 1]?.seq as number)) {
      ctx.addIssue({
        code: "custom",
        path: ["events", i, "seq"],
        message: "seq must increase within a batch",
      });
      return;
    }
  }
}

/** What an events route answers: how many events the batch held, and of those how many were new. */
export const AcceptedEvents = z.object({
  object: z.literal("list"),
  accepted: z.int().describe("Events in the batch"),
  stored: z.int().describe("Events stored now"),
  duplicates: z
    .int()
    .describe("Numbered events already stored under this lease (a batch sent again), not stored twice"),
});

/** The answer to a batch of `accepted` events of which `stored` were new. */
export function acceptedEvents(accepted: number, stored: number): z.infer<typeof AcceptedEvents> {
  return conform(AcceptedEvents, { object: "list", accepted, stored, duplicates: accepted - stored });
}
