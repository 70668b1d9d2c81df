// `edgetune serve`: the edge API on this machine, in workerd, with state kept on disk.
// functions/local.ts is imported when the command runs, not with the CLI: wrangler takes seconds to load
// and installs SIGINT/SIGTERM handlers that exit the process, which other commands (the runner's clean
// stop on SIGTERM) must not inherit.
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError("a port is 0–65535");
  return port;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("run the edgetune API locally (workerd via Miniflare) with persisted local state")
    .option("-p, --port <port>", "port to listen on (0 picks a free one)", parsePort, 8787)
    .option("--state <dir>", "where local R2/D1/Queues state is kept", ".edgetune/state")
    .action(async (options: { port: number; state: string }) => {
      const { startLocalWorker } = await import("../../functions/local.ts");
      const worker = await startLocalWorker({ port: options.port, stateDir: resolve(options.state) });
      process.stdout.write(
        `edgetune API listening on ${worker.url} (state in ${resolve(options.state)}); Ctrl-C stops it\n`,
      );
      await new Promise<void>((done) => {
        const stop = () => void worker.stop().then(done);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
