// bench/gpu-readiness.ts on a machine without CUDA (CUDA hidden, so the test means the same on a GPU
// host): it says CUDA is not available, exits 0, and writes no result that could pass for a measurement.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

it("without CUDA prints that CUDA is not available, exits 0 and writes nothing", () => {
  const results = mkdtempSync(join(tmpdir(), "edgetune-gpu-readiness-test-"));
  try {
    const run = spawnSync(process.execPath, ["--import", "tsx", "bench/gpu-readiness.ts", "--steps", "3"], {
      encoding: "utf8",
      env: {
        ...process.env,
        CUDA_VISIBLE_DEVICES: "",
        OMP_NUM_THREADS: "1",
        EDGETUNE_BENCH_RESULTS_DIR: results,
      },
      timeout: 300_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^CUDA is not available \(torch [^)]+\): no GPU readiness measurement on this machine\n$/,
    );
    expect(readdirSync(results)).toEqual([]);
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}, 300_000);

it("refuses a bad flag with a one-line error and a non-zero exit, before starting Python", () => {
  const run = spawnSync(process.execPath, ["--import", "tsx", "bench/gpu-readiness.ts", "--steps", "0"], {
    encoding: "utf8",
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toBe("gpu-readiness: --steps must be a positive whole number\n");
});
