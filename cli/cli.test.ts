import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandNames } from "./program.ts";

const bin = join(import.meta.dirname, "..", "bin", "edgetune.js");

function edgetune(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("edgetune CLI", () => {
  it("lists every planned command in its help", () => {
    const { code, stdout } = edgetune("--help");
    expect(code).toBe(0);
    for (const name of ["demo", "train", "compress", "eval", "serve", "runner"]) {
      expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, "m"));
    }
  });

  it("loading the CLI installs no signal handler (wrangler's would exit the runner on SIGTERM before its own stop)", () => {
    const script = `const before = ["SIGINT", "SIGTERM"].map((s) => process.listenerCount(s));
      const { buildProgram } = await import(${JSON.stringify(join(import.meta.dirname, "program.ts"))});
      buildProgram();
      const after = ["SIGINT", "SIGTERM"].map((s) => process.listenerCount(s));
      console.log(JSON.stringify({ before, after }));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const { before, after } = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(after).toEqual(before);
  });

  it.each(commandNames)("`%s --help` describes the command and its usage", (name) => {
    const { code, stdout } = edgetune(name, "--help");
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: edgetune ${name}`);
    expect(stdout.split("\n").length).toBeGreaterThan(3);
  });

  it("an unknown command fails with one line and a non-zero exit", () => {
    const { code, stderr } = edgetune("frobnicate");
    expect(code).not.toBe(0);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^edgetune: unknown command 'frobnicate'/);
  });

  it("a missing required option is named in one line", () => {
    const { code, stderr } = edgetune("compress", "model.onnx", "--out", "x");
    expect(code).not.toBe(0);
    expect(stderr.trim()).toMatch(/^edgetune: .*--recipe/);
  });

  it("eval scores a JSONL file", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgetune-cli-"));
    const file = join(dir, "scored.jsonl");
    const lines = [
      { label: "spam", prediction: "spam" },
      { label: "spam", prediction: "ham" },
      { label: "ham", prediction: "ham" },
      { label: "ham", prediction: "ham" },
    ];
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const { code, stdout } = edgetune("eval", file, "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.accuracy).toBe(0.75);
    expect(report.confusion.spam).toEqual({ ham: 1, spam: 1 });
  });

  it("eval names the line that does not parse", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgetune-cli-"));
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, '{"label":"a","prediction":"a"}\n{"label":"a"}\n');
    const { code, stderr } = edgetune("eval", file);
    expect(code).not.toBe(0);
    expect(stderr.trim()).toBe(
      `edgetune: ${file}:2: prediction: Invalid input: expected string, received undefined`,
    );
  });
});
