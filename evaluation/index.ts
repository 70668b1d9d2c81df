// evaluation/ — metrics shared by the Worker's evaluation endpoint, the runner and the CLI.
export type { ClassificationReport, ClassScores } from "./classification.ts";
export { accuracy, classificationReport, f1, majorityBaseline } from "./classification.ts";
