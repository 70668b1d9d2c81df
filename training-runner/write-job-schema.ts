// Writes trainer/job.schema.json from the zod job schema (job.ts), for the Python trainer, formatted the
// way biome wants it. Run after changing job.ts: node --import tsx training-runner/write-job-schema.ts
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { jobJsonSchema } from "./job.ts";
import { repoRoot } from "./python-env.ts";

const path = join(repoRoot, "training-runner", "trainer", "job.schema.json");
writeFileSync(path, `${JSON.stringify(jobJsonSchema(), null, 2)}\n`);
const biome = join(repoRoot, "node_modules", ".bin", "biome");
const formatted = spawnSync(biome, ["format", "--write", path], { stdio: "ignore" });
if (formatted.status !== 0) throw new Error(`biome could not format ${path}`);
console.log(`wrote ${path}`);
