// Node side: the Worker's deploy bundle, built by wrangler itself (`wrangler deploy --dry-run --outdir`),
// so the Worker that runs locally is byte for byte the one a deployment uploads: the same esbuild
// settings, nodejs_compat handling and `.wasm` imports turned into CompiledWasm modules. Wrangler's
// programmatic dev server (unstable_startWorker) bundles too, but it also puts a second workerd, a
// reload proxy, in front of every request, which a server that never reloads does not need (one
// loopback hop, about 1 ms a request, and that process's memory).
import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface WorkerBundle {
  /** The entry module, then every other module of the bundle (the ORT wasm), as Miniflare lists them. */
  modules: { type: "ESModule" | "CompiledWasm"; path: string }[];
  /** The directory the paths are in. */
  root: string;
}

/** wrangler's CLI entry (its package exports only the API, so it is found next to the API's file). */
function wranglerBin(): string {
  const api = createRequire(import.meta.url).resolve("wrangler");
  return join(dirname(api), "..", "bin", "wrangler.js");
}

/** Bundles the Worker of `configPath` into `outDir` (which must be empty or missing). */
export async function bundleWorker(configPath: string, outDir: string): Promise<WorkerBundle> {
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [wranglerBin(), "deploy", "--dry-run", "--outdir", outDir, "--config", configPath],
      { env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        // wrangler prints the esbuild error (file, line, what) in a box; keep its lines, not the box
        const lines = `${stderr}\n${stdout}`
          .split("\n")
          .map((l) => l.replace(/[│╭╮╰╯─✘▲]/g, "").trim())
          .filter((l) => l && !l.startsWith("⛅️") && !/^-+$/.test(l));
        reject(new Error(`bundling the Worker failed: ${lines.slice(0, 12).join("\n")}`));
      },
    );
  });
  const files = await readdir(outDir);
  return {
    root: outDir,
    modules: [
      { type: "ESModule", path: join(outDir, "index.js") },
      ...files
        .filter((f) => f.endsWith(".wasm"))
        .map((f) => ({ type: "CompiledWasm" as const, path: join(outDir, f) })),
    ],
  };
}
