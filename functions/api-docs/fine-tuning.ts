// OpenAPI paths of fine-tuning, shaped like OpenAI's API: JSONL files, jobs (create, list, get, events,
// checkpoints, cancel), and the lease routes GPU runners use to train queued jobs.
import { z } from "zod";
import {
  Checkpoint,
  CheckpointList,
  CompleteRequest,
  CreateJobRequest,
  EventsRequest,
  FailRequest,
  FileId,
  FileObject,
  JobEventList as FineTuningEventList,
  FineTuningJob,
  HeartbeatRequest,
  JobId,
  JobList,
  Lease,
  LeaseId,
  LeaseRequest,
  SnapshotEventData,
} from "../fine-tuning/schemas.ts";
import {
  type ApiArea,
  auth,
  badRequest,
  bearer,
  binary,
  json,
  param,
  problem,
  queryParams,
} from "./common.ts";

const job = param("id", JobId);
const lease = param("lease", LeaseId);
const page = queryParams(
  z.object({
    limit: z.int().min(1).max(1000).default(20).describe("At most this many items"),
    after: z.string().describe("The last id of the previous page"),
  }),
);
const checkpointPage = queryParams(
  z.object({
    limit: z.int().min(1).max(100).default(10).describe("At most this many checkpoints"),
    after: z.string().max(200).describe("The last checkpoint id of the previous page"),
  }),
);
const noJob = problem("No such fine-tuning job");
const leaseGone = problem("No job holds this lease: it expired (the job was re-queued) or never existed");

export const fineTuningApi: ApiArea = {
  schemas: {
    FileObject,
    CreateJobRequest,
    FineTuningJob,
    JobList,
    FineTuningEventList,
    Checkpoint,
    CheckpointList,
    LeaseRequest,
    HeartbeatRequest,
    Lease,
    EventsRequest,
    SnapshotEventData,
    CompleteRequest,
    FailRequest,
  },
  paths: {
    "/v1/files": {
      post: {
        summary: "Upload a JSONL training or validation file (raw body, each line checked as it streams)",
        security: bearer("write"),
        parameters: [
          param("purpose", z.literal("fine-tune"), "query", false),
          param("filename", z.string().max(255), "query", false),
        ],
        requestBody: { required: true, content: binary("application/jsonl") },
        responses: {
          201: { description: "Stored", content: json("FileObject") },
          400: problem("A line is not a JSON object (named), the file is empty, or a parameter is invalid"),
          ...auth,
          413: problem("The file exceeds the upload limit"),
        },
      },
    },
    "/v1/files/{id}": {
      get: {
        summary: "A file's metadata",
        security: bearer("read"),
        parameters: [param("id", FileId)],
        responses: {
          200: { description: "The file", content: json("FileObject") },
          ...auth,
          404: problem("No such file"),
        },
      },
    },
    "/v1/files/{id}/content": {
      get: {
        summary: "A file's bytes",
        security: bearer("read"),
        parameters: [param("id", FileId)],
        responses: {
          200: { description: "The JSONL file", content: binary("application/jsonl") },
          ...auth,
          404: problem("No such file"),
        },
      },
    },
    "/v1/fine_tuning/jobs": {
      post: {
        summary: "Create a fine-tuning job (validated against the trainer's job schema); runners lease it",
        security: bearer("write"),
        requestBody: { required: true, content: json("CreateJobRequest") },
        responses: {
          201: { description: "Queued", content: json("FineTuningJob") },
          400: badRequest,
          ...auth,
          404: problem("A named file does not exist"),
        },
      },
      get: {
        summary: "Fine-tuning jobs, newest first",
        security: bearer("read"),
        parameters: page,
        responses: {
          200: { description: "A page of jobs", content: json("JobList") },
          400: badRequest,
          ...auth,
        },
      },
    },
    "/v1/fine_tuning/jobs/{id}": {
      get: {
        summary: "A fine-tuning job",
        security: bearer("read"),
        parameters: [job],
        responses: { 200: { description: "The job", content: json("FineTuningJob") }, ...auth, 404: noJob },
      },
    },
    "/v1/fine_tuning/jobs/{id}/events": {
      get: {
        summary: "The trainer's events (steps, losses, metrics), newest first",
        security: bearer("read"),
        parameters: [job, ...page],
        responses: {
          200: { description: "A page of events", content: json("FineTuningEventList") },
          400: badRequest,
          ...auth,
          404: noJob,
        },
      },
    },
    "/v1/fine_tuning/jobs/{id}/checkpoints": {
      get: {
        summary:
          "The job's checkpoints, newest first: its published model (model@version) once it succeeded, " +
          "then every snapshot its runner reported (a trainer snapshot event), with the losses last " +
          "reported at or before its step",
        security: bearer("read"),
        parameters: [job, ...checkpointPage],
        responses: {
          200: { description: "A page of checkpoints", content: json("CheckpointList") },
          400: badRequest,
          ...auth,
          404: problem("No such fine-tuning job, or `after` is not one of its checkpoint ids"),
        },
      },
    },
    "/v1/fine_tuning/jobs/{id}/cancel": {
      post: {
        summary: "Cancel a queued or running job (a runner's next heartbeat gets 409 and stops)",
        security: bearer("write"),
        parameters: [job],
        responses: {
          200: { description: "Cancelled", content: json("FineTuningJob") },
          ...auth,
          404: noJob,
          409: problem("The job already finished"),
        },
      },
    },
    "/v1/runner/leases": {
      post: {
        summary: "Lease the oldest queued fine-tuning job",
        security: bearer("write"),
        requestBody: { required: false, content: json("LeaseRequest") },
        responses: {
          201: { description: "Leased: the job and where to download its files", content: json("Lease") },
          204: { description: "No job is queued" },
          400: badRequest,
          ...auth,
        },
      },
    },
    "/v1/runner/leases/{lease}/heartbeat": {
      post: {
        summary: "Extend a lease",
        security: bearer("write"),
        parameters: [lease],
        requestBody: { required: false, content: json("HeartbeatRequest") },
        responses: {
          200: { description: "Extended", content: json("Lease") },
          ...auth,
          404: leaseGone,
          409: problem("The job was cancelled: stop training it"),
        },
      },
    },
    "/v1/runner/leases/{lease}/events": {
      post: {
        summary:
          "Append the trainer's events to the leased job; each snapshot event (data: SnapshotEventData) " +
          "records a checkpoint, once per (stage, step) however often a batch is sent; events numbered by " +
          "seq (per lease, from 0) are stored once, so a batch sent again adds only the events not yet stored",
        security: bearer("write"),
        parameters: [lease],
        requestBody: { required: true, content: json("EventsRequest") },
        responses: {
          201: { description: "Recorded", content: json("AcceptedEvents") },
          400: problem("The body is invalid, or a snapshot event's data is (each issue is listed)"),
          ...auth,
          404: leaseGone,
          409: problem("The job was cancelled"),
        },
      },
    },
    "/v1/runner/leases/{lease}/complete": {
      post: {
        summary: "Finish the job with its published checkpoint (idempotent)",
        security: bearer("write"),
        parameters: [lease],
        requestBody: { required: true, content: json("CompleteRequest") },
        responses: {
          200: { description: "The succeeded job", content: json("FineTuningJob") },
          400: badRequest,
          ...auth,
          404: leaseGone,
          409: problem("The job was cancelled or completed with another model"),
        },
      },
    },
    "/v1/runner/leases/{lease}/fail": {
      post: {
        summary: "Fail the leased job with an error (idempotent)",
        security: bearer("write"),
        parameters: [lease],
        requestBody: { required: true, content: json("FailRequest") },
        responses: {
          200: { description: "The failed job", content: json("FineTuningJob") },
          400: badRequest,
          ...auth,
          404: leaseGone,
        },
      },
    },
  },
};
