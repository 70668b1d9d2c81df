// The README's test command: every suite, one combined summary line.
// Each suite writes a machine-readable report (vitest JSON, pytest JUnit XML) that is read back here,
// rather than scraping human output. A suite that runs no test counts as a failure, as does a failed
// lint or type check.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pythonEnvironment, repoRoot } from "../training-runner/python-env.ts";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const reports = join(repoRoot, ".edgetune", "test-reports");
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

function check(name: string, command: string, args: string[]): Counts {
  console.log(`\n── ${name}`);
  const ok = run(command, args) === 0;
  console.log(`${name}: ${ok ? "ok" : "FAILED"}`);
  return { passed: 0, failed: ok ? 0 : 1, skipped: 0 };
}

function vitestSuite(name: string, config: string): Counts {
  console.log(`\n── ${name}`);
  const out = join(reports, `${name}.json`);
  const code = run("npx", [
    "vitest",
    "run",
    "--config",
    config,
    "--reporter=default",
    "--reporter=json",
    `--outputFile=${out}`,
  ]);
  let counts: Counts;
  try {
    const report = JSON.parse(readFileSync(out, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      numFailedTestSuites: number;
    };
    counts = {
      passed: report.numPassedTests,
      // a test file that fails to load has no failed test, but the suite failed
      failed: report.numFailedTests + (report.numFailedTests === 0 ? report.numFailedTestSuites : 0),
      skipped: report.numPendingTests + report.numTodoTests,
    };
  } catch {
    counts = { passed: 0, failed: 1, skipped: 0 };
  }
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return suiteResult(name, counts);
}

function pytestSuite(name: string): Counts {
  console.log(`\n── ${name}`);
  const python = pythonEnvironment();
  const xml = join(reports, `${name}.xml`);
  const code = run(
    python,
    ["-m", "pytest", "training-runner", "-p", "no:cacheprovider", "-q", `--junitxml=${xml}`],
    { PYTHONPATH: join(repoRoot, "training-runner") },
  );
  let counts: Counts;
  try {
    const text = readFileSync(xml, "utf8");
    const attr = (key: string) =>
      Number(new RegExp(`<testsuite [^>]*\\b${key}="(\\d+)"`).exec(text)?.[1] ?? 0);
    const failed = attr("failures") + attr("errors");
    const skipped = attr("skipped");
    counts = { passed: attr("tests") - failed - skipped, failed, skipped };
  } catch {
    counts = { passed: 0, failed: 1, skipped: 0 };
  }
  // pytest exits 5 when it collected nothing: suiteResult turns that into a failure
  if (code !== 0 && code !== 5 && counts.failed === 0) counts.failed = 1;
  return suiteResult(name, counts);
}

function suiteResult(name: string, counts: Counts): Counts {
  if (counts.passed + counts.failed === 0) {
    console.log(`${name}: ran no test`);
    return { ...counts, failed: 1 };
  }
  console.log(`${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts;
}

// the Worker imports onnxruntime-web's wasm from inside the project (see scripts/vendor-ort-wasm.mjs)
if (run(process.execPath, ["scripts/vendor-ort-wasm.mjs"]) !== 0) process.exit(1);

if (run("bash", ["scripts/ensure-chromium.sh"]) !== 0) process.exit(1);

const env = run("bash", ["scripts/python-env.sh"]);
if (env !== 0) {
  console.error("test: could not set up the Python environment (scripts/python-env.sh)");
  process.exit(1);
}

const results = [
  check("lint", "npx", ["biome", "check", "."]),
  check("typecheck", "npx", ["tsc", "-p", "tsconfig.json"]),
  check("typecheck-worker", "npx", ["tsc", "-p", "functions/tsconfig.json"]),
  check("typecheck-browser", "npx", ["tsc", "-p", "test/browser/page/tsconfig.json"]),
  vitestSuite("node", "vitest.config.ts"),
  vitestSuite("workers", "vitest.workers.config.ts"),
  pytestSuite("trainer"),
];
const total = results.reduce((a, b) => ({
  passed: a.passed + b.passed,
  failed: a.failed + b.failed,
  skipped: a.skipped + b.skipped,
}));
console.log("");
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
