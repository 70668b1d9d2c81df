// training-runner: runs edgetune's Python trainer on a job and streams its events; prepares datasets.
// Other components use only what this file exports.
import { join } from "node:path";
import { repoRoot } from "./python-env.ts";

export { type EmailText, emailText } from "./datasets/email-text.ts";
export type { SpamAssassinDataset, SpamAssassinOptions } from "./datasets/spam-assassin.ts";
export {
  spamAssassinExamples,
  spamAssassinLabels,
  writeSpamAssassinDataset,
} from "./datasets/spam-assassin.ts";
export type { LabeledText, SplitFractions, SplitPaths } from "./datasets/split.ts";
export type { SubjectLine, SubjectLineDataset, SubjectLineOptions } from "./datasets/subject-lines.ts";
export { subjectLineExamples, writeSubjectLineDataset } from "./datasets/subject-lines.ts";
export type {
  CheckpointEvent,
  DoneEvent,
  DoneMetrics,
  EarlyStopEvent,
  EvalEvent,
  ExportEvent,
  SnapshotEvent,
  StartEvent,
  StepEvent,
  TrainerEvent,
} from "./events.ts";
export { parseEventLine, trainerEventSchema } from "./events.ts";
export type { Job, JobInput } from "./job.ts";
export {
  baseModels,
  jobJsonSchema,
  jobSchema,
  loadJobFile,
  parseJob,
  resolveJobPaths,
  taskTypes,
} from "./job.ts";
export type { RunTrainerOptions, TrainerRun } from "./launch.ts";
export { runTrainer, TrainerError } from "./launch.ts";
export { pythonEnvironment, repoRoot } from "./python-env.ts";
export type { Technique, TechniqueName } from "./techniques.ts";
export { techniqueSchema } from "./techniques.ts";

/** The example jobs shipped with the runner. */
export const exampleJobs = {
  /** A SpamAssassin spam/ham classifier (tiny BERT, ~1–2 min on a 2-core CPU); reads spamAssassinDir. */
  tinyClassifier: join(repoRoot, "training-runner", "examples", "tiny-classifier.json"),
  /** SpamAssassin subject lines from email bodies (tiny GPT-2, causal LM); reads subjectLinesDir. */
  tinyGeneration: join(repoRoot, "training-runner", "examples", "tiny-generation.json"),
} as const;

/** Where the example jobs expect the SpamAssassin splits: fill it with writeSpamAssassinDataset(spamAssassinDir). */
export const spamAssassinDir = join(repoRoot, ".edgetune", "datasets", "spam-assassin");

/** Where the generation example expects its splits: fill it with writeSubjectLineDataset(subjectLinesDir). */
export const subjectLinesDir = join(repoRoot, ".edgetune", "datasets", "subject-lines");
