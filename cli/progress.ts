// Shows the trainer's events as a progress bar on a terminal, and as plain lines elsewhere (CI, pipes).
import cliProgress from "cli-progress";
import type { TrainerEvent } from "../training-runner/index.ts";

export interface TrainingProgress {
  onEvent(event: TrainerEvent): void;
  stop(): void;
}

export function trainingProgress(stream: NodeJS.WriteStream = process.stderr): TrainingProgress {
  const interactive = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let lastEval = "";
  const line = (text: string) => {
    if (bar) bar.update({ note: text });
    else stream.write(`${text}\n`);
  };
  return {
    onEvent(event) {
      switch (event.type) {
        case "start":
          line(
            `training on ${event.device} (${event.precision}): ${event.parameters.toLocaleString("en")} parameters, ` +
              `${event.train_examples} train / ${event.validation_examples} validation examples, ${event.steps} steps`,
          );
          if (interactive) {
            bar = new cliProgress.SingleBar(
              {
                format: "  {bar} {value}/{total} steps | loss {loss} | {tps} tok/s {note}",
                stream,
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(event.steps, 0, { loss: "-", tps: "-", note: "" });
          }
          break;
        case "step":
          if (bar)
            bar.update(event.step, { loss: event.loss.toFixed(4), tps: Math.round(event.tokens_per_s) });
          else
            line(
              `  step ${event.step}  loss ${event.loss.toFixed(4)}  lr ${event.lr.toExponential(2)}  ${Math.round(event.tokens_per_s)} tok/s`,
            );
          break;
        case "eval":
          lastEval = `| val acc ${(100 * event.accuracy).toFixed(1)}%`;
          if (bar) bar.update({ note: lastEval });
          else
            line(
              `  eval at step ${event.step}: loss ${event.loss.toFixed(4)}, accuracy ${(100 * event.accuracy).toFixed(2)}%`,
            );
          break;
        case "checkpoint":
          if (!bar) line(`  checkpoint ${event.path}`);
          break;
        case "export":
          if (!bar)
            line(`  ONNX export ${event.path} (max |Δ| vs PyTorch ${event.max_abs_diff.toExponential(1)})`);
          break;
        case "done":
          bar?.stop();
          bar = undefined;
          break;
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Progress of `edgetune compress`: one tick per recipe step and per verification. */
export interface CompressProgress {
  start(total: number): void;
  tick(label: string): void;
  note(line: string): void;
  stop(): void;
}

export function compressProgress(stream: NodeJS.WriteStream = process.stderr): CompressProgress {
  let bar: cliProgress.SingleBar | undefined;
  let done = 0;
  let total = 0;
  return {
    start(n) {
      total = n;
      done = 0;
      if (stream.isTTY === true) {
        bar = new cliProgress.SingleBar(
          { format: "  {bar} {value}/{total} | {label}", stream, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(n, 0, { label: "" });
      }
    },
    tick(label) {
      done++;
      if (bar) bar.update(done, { label });
      else stream.write(`[${done}/${total}] ${label}\n`);
    },
    note(line) {
      // a bar redraws its own line: notes go above it only when it is stopped
      if (!bar) stream.write(`${line}\n`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
