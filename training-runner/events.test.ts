import { describe, expect, it } from "vitest";
import { parseEventLine } from "./events.ts";

describe("parseEventLine", () => {
  it("parses each documented event", () => {
    const lines = [
      '{"type":"start","device":"cpu","precision":"fp32","parameters":91074,"vocab_size":179,"train_examples":320,"validation_examples":80,"steps":80}',
      '{"type": "step", "step": 5, "loss": 0.69, "lr": 0.0025, "grad_norm": 0.39, "tokens_per_s": 14881.7}',
      '{"type": "eval", "step": 20, "loss": 0.69, "accuracy": 0.4625}',
      '{"type": "checkpoint", "path": "/out/model"}',
      '{"type": "export", "path": "/out/model/onnx/model.onnx", "max_abs_diff": 1.5e-7}',
      '{"type": "snapshot", "step": 40, "path": "/out/checkpoints/step-000040"}',
      '{"type": "early_stop", "step": 60}',
      '{"type": "done", "metrics": {"train_loss": 0.1, "eval_loss": 0.2, "eval_accuracy": 1.0, "majority_baseline": 0.5, "steps": 80, "train_seconds": 1.2, "onnx_max_abs_diff": 1e-7, "extra": 3}}',
    ];
    const events = lines.map(parseEventLine);
    expect(events.map((e) => e.type)).toEqual([
      "start",
      "step",
      "eval",
      "checkpoint",
      "export",
      "snapshot",
      "early_stop",
      "done",
    ]);
    const done = events[7];
    expect(done?.type === "done" && done.metrics.extra).toBe(3);
  });

  it("accepts the start event's newer fields, and an older trainer's start without them", () => {
    const start = parseEventLine(
      '{"type":"start","device":"cpu","precision":"fp32","parameters":94596,"trainable_parameters":2178,"vocab_size":200,"train_examples":320,"validation_examples":80,"steps":80,"start_step":40}',
    );
    expect(start.type === "start" && [start.trainable_parameters, start.start_step]).toEqual([2178, 40]);
  });

  it("rejects a line that is not JSON, quoting it", () => {
    expect(() => parseEventLine("Writing model shards: 100%")).toThrow(
      'trainer wrote a line that is not JSON: "Writing model shards: 100%"',
    );
  });

  it("rejects an event with a missing, extra or mistyped field, naming it", () => {
    expect(() => parseEventLine('{"type": "eval", "step": 1, "loss": 0.5}')).toThrow(/accuracy/);
    expect(() => parseEventLine('{"type": "checkpoint", "path": "/x", "when": 1}')).toThrow(/when/);
    expect(() =>
      parseEventLine('{"type": "step", "step": 1.5, "loss": 1, "lr": 1, "grad_norm": 1, "tokens_per_s": 1}'),
    ).toThrow(/step/);
    expect(() => parseEventLine('{"type": "party"}')).toThrow(/invalid event/);
  });
});
