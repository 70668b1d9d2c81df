// `edgetune train --nproc`: a bad process count is refused in one line with exit 2, before the job is read
// (one spawn: the CLI takes seconds to start on a shared machine). A real torchrun run is in
// training-runner/launch-ddp.test.ts.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "bin", "edgetune.js");

it("refuses --nproc that is not a whole number from 1 to 1024", () => {
  const r = spawnSync(process.execPath, [bin, "train", "missing-job.json", "--nproc", "0"], {
    encoding: "utf8",
  });
  expect({ status: r.status, stderr: r.stderr }).toEqual({
    status: 2,
    stderr: "edgetune: --nproc must be a whole number from 1 to 1024\n",
  });
});
