// Where the trainer's Python interpreter lives, for the runner, the CLI and the test command.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The trainer's interpreter: EDGETUNE_PYTHON, else the project-local .venv made by scripts/python-env.sh. */
export function pythonEnvironment(): string {
  const fromEnv = process.env.EDGETUNE_PYTHON;
  if (fromEnv) return fromEnv;
  const local = join(repoRoot, ".venv", "bin", "python");
  if (!existsSync(local)) {
    throw new Error("the trainer's Python environment is missing: run `bash scripts/python-env.sh`");
  }
  return local;
}
