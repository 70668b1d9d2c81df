// Entry point: run the program, turn any failure into one line on stderr and a non-zero exit.
import { describeFailure } from "./errors.ts";
import { buildProgram } from "./program.ts";

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // --help and --version also end through exitOverride, with exit code 0
  const done = error && typeof error === "object" && "exitCode" in error && error.exitCode === 0;
  if (!done) {
    const { message, exitCode } = describeFailure(error);
    process.stderr.write(`edgetune: ${message}\n`);
    process.exitCode = exitCode;
  }
}
