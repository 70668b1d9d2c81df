// Why a job's runner cannot go on under its lease (409): the job was cancelled, it finished, or the
// lease ran out. The fine-tuning and the compression runner leases share this; they differ only in
// what a cancelled job's runner is told.

import { Problem } from "./problem.ts";

export interface LeasedRow {
  id: string;
  status: string;
  lease_expires_at: number | null;
}

/** The 409 for a lease whose job cannot go on at `now`, or null while it can. */
export function leaseConflict(row: LeasedRow, now: number, cancelledDetail?: string): Problem | null {
  if (row.status !== "running") {
    const cancelled = row.status === "cancelled";
    return new Problem({
      status: 409,
      slug: cancelled ? "job-cancelled" : "job-finished",
      title: "Conflict",
      detail: (cancelled && cancelledDetail) || `Job ${row.id} already ${row.status}`,
      extra: { job: row.id, status: row.status },
    });
  }
  if ((row.lease_expires_at ?? 0) < now) {
    return new Problem({
      status: 409,
      slug: "lease-expired",
      title: "Conflict",
      detail: `The lease on job ${row.id} expired; lease the job again`,
      extra: { job: row.id },
    });
  }
  return null;
}
