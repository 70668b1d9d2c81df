// Fine-tuning on the edge API: JSONL files, OpenAI-shaped jobs, and the runner lease API.
export { files } from "./files.ts";
export { fineTuningJobs } from "./jobs.ts";
export { runnerLeases } from "./leases.ts";
