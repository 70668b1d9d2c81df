// OpenAPI paths of compression jobs: starting one, reading jobs and their events, and the lease routes
// runners use for jobs too large for the Worker.
import { z } from "zod";
import {
  CompressionComplete,
  CompressionFail,
  CompressionHeartbeatRequest,
  CompressionLease,
  CompressionLeaseEvents,
  CompressionLeaseId,
  CompressionLeaseRequest,
  CompressRequest,
} from "../compression-jobs/schemas.ts";
import { Job, JobEventList } from "../jobs/schemas.ts";
import { FilePath, ModelName, VersionName } from "../registry/names.ts";
import { AcceptedEvents } from "../runner-event-seq.ts";
import { type ApiArea, auth, badRequest, bearer, binary, json, param, problem } from "./common.ts";

const lease = param("lease", CompressionLeaseId);
const leaseGone = problem("No such lease, or it expired (the job went back to the queue)");
const BASE = "/v1/runner/compression-leases";

export const jobsApi: ApiArea = {
  schemas: {
    CompressRequest,
    Job,
    JobEventList,
    CompressionLeaseRequest,
    CompressionHeartbeatRequest,
    CompressionLease,
    CompressionLeaseEventsRequest: CompressionLeaseEvents,
    CompressionCompleteRequest: CompressionComplete,
    CompressionFailRequest: CompressionFail,
    AcceptedEvents,
  },
  paths: {
    "/v1/models/{name}/versions/{version}/compress": {
      post: {
        summary: "Start a compression job on a published version (recipe → variants added to the version)",
        security: bearer("write"),
        parameters: [param("name", ModelName), param("version", VersionName)],
        requestBody: { required: true, content: json("CompressRequest") },
        responses: {
          202: { description: "Queued; Location names the job", content: json("Job") },
          400: problem("Invalid request or recipe"),
          ...auth,
          404: problem("No such model or version"),
        },
      },
    },
    "/v1/jobs/{id}": {
      get: {
        summary: "A job's status",
        security: bearer("read"),
        parameters: [param("id", z.string())],
        responses: {
          200: { description: "The job", content: json("Job") },
          ...auth,
          404: problem("No such job"),
        },
      },
    },
    "/v1/jobs/{id}/events": {
      get: {
        summary: "A job's events, oldest first",
        security: bearer("read"),
        parameters: [param("id", z.string()), param("after", z.int().min(0), "query", false)],
        responses: {
          200: { description: "Events after the given sequence number", content: json("JobEventList") },
          400: badRequest,
          ...auth,
          404: problem("No such job"),
        },
      },
    },
    [BASE]: {
      post: {
        summary: "Lease the oldest compression job left to runners",
        security: bearer("write"),
        requestBody: { required: false, content: json("CompressionLeaseRequest") },
        responses: {
          201: {
            description: "Leased: the job, its request and its source files",
            content: json("CompressionLease"),
          },
          204: { description: "No job is waiting" },
          400: badRequest,
          ...auth,
        },
      },
    },
    [`${BASE}/{lease}/heartbeat`]: {
      post: {
        summary: "Extend a compression lease",
        security: bearer("write"),
        parameters: [lease],
        requestBody: { required: false, content: json("CompressionHeartbeatRequest") },
        responses: {
          200: { description: "Extended", content: json("CompressionLease") },
          ...auth,
          404: leaseGone,
          409: problem("The job is no longer running"),
        },
      },
    },
    [`${BASE}/{lease}/events`]: {
      post: {
        summary:
          "Append progress events to the leased job; events numbered by seq are stored once per lease " +
          "however often a batch is sent",
        security: bearer("write"),
        parameters: [lease],
        requestBody: { required: true, content: json("CompressionLeaseEventsRequest") },
        responses: {
          201: { description: "Recorded", content: json("AcceptedEvents") },
          400: badRequest,
          ...auth,
          404: leaseGone,
        },
      },
    },
    [`${BASE}/{lease}/files/{path}`]: {
      put: {
        summary: "Upload one variant file (raw body) under the lease",
        security: bearer("write"),
        parameters: [lease, param("path", FilePath)],
        requestBody: { required: true, content: binary() },
        responses: {
          201: { description: "Stored", content: json("UploadResponse") },
          400: badRequest,
          ...auth,
          404: leaseGone,
          413: problem("The file exceeds the upload limit"),
        },
      },
    },
    [`${BASE}/{lease}/complete`]: {
      post: {
        summary: "Finish the job: its uploaded variants join the version in one step",
        security: bearer("write"),
        parameters: [lease],
        requestBody: { required: true, content: json("CompressionCompleteRequest") },
        responses: {
          200: { description: "The finished job", content: json("Job") },
          400: problem("A variant names a file that was not uploaded under the lease"),
          ...auth,
          404: leaseGone,
          409: problem("The job already finished otherwise"),
        },
      },
    },
    [`${BASE}/{lease}/fail`]: {
      post: {
        summary: "Fail the leased job with an error message",
        security: bearer("write"),
        parameters: [lease],
        requestBody: { required: true, content: json("CompressionFailRequest") },
        responses: {
          200: { description: "The failed job", content: json("Job") },
          400: badRequest,
          ...auth,
          404: leaseGone,
        },
      },
    },
  },
};
