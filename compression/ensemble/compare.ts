// How an ensemble relates to its members, measured on the same inputs: its outputs against each
// member's (how far it moved from every one) and against the element-wise mean of the members'
// outputs computed here in float64 (what it is meant to be: any difference beyond float32 rounding
// means the merge is wrong). Running models is the caller's `runner` (Worker-safe), as in mixed precision.
import { type Agreement, compareRuns, type RunOutputs } from "../mixed-precision/agreement.ts";
import type { ModelRunner } from "../mixed-precision/mixed-precision.ts";

export interface EnsembleComparison {
  /** The ensemble against each member, in the members' order. */
  members: Agreement[];
  /** The ensemble against the mean of the members' outputs. */
  mean: Agreement;
}

/** Element-wise mean of the members' runs (every member returns the same outputs and shapes). */
export function meanRuns(members: readonly (readonly RunOutputs[])[]): RunOutputs[] {
  const first = members[0];
  if (!first) throw new Error("no members to average");
  return first.map((run, i) =>
    Object.fromEntries(
      Object.entries(run).map(([name, out]) => {
        const sum = new Float64Array(out.data.length);
        members.forEach((m, k) => {
          const data = m[i]?.[name]?.data;
          if (!data || data.length !== sum.length)
            throw new Error(`member ${k}: output ${name} of run ${i} does not match member 0's`);
          for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] as number) + (data[j] as number);
        });
        return [name, { data: sum.map((v) => v / members.length), dims: out.dims }];
      }),
    ),
  );
}

export async function compareEnsemble(
  members: readonly Uint8Array[],
  ensemble: Uint8Array,
  runner: ModelRunner,
): Promise<EnsembleComparison> {
  const memberRuns: RunOutputs[][] = [];
  for (const m of members) memberRuns.push(await runner(m));
  const runs = await runner(ensemble);
  return {
    members: memberRuns.map((m) => compareRuns(m, runs)),
    mean: compareRuns(meanRuns(memberRuns), runs),
  };
}
