// How the CLI fails: one line on stderr and a non-zero exit, never a stack trace for a user's mistake.
import { CommanderError } from "commander";
import { ZodError } from "zod";

/** A failure whose message is meant for the user as it stands. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CommanderError)
    return { message: error.message.replace(/^error: /, ""), exitCode: error.exitCode || 2 };
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ZodError) {
    const first = error.issues[0];
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    return {
      message: `invalid input: ${where}${first?.message ?? "does not match the schema"}`,
      exitCode: 2,
    };
  }
  if (error instanceof Error) return { message: error.message.split("\n")[0] ?? error.name, exitCode: 1 };
  return { message: String(error), exitCode: 1 };
}
