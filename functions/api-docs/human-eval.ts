// OpenAPI paths of human evaluation: blind pairwise and Likert studies, raters' tasks and ratings, the
// report, and the rater page.
import {
  CreateStudy,
  PostRating,
  RaterId,
  RatingRecorded,
  Report,
  ReportQuery,
  Study,
  StudyId,
  Tasks,
} from "../human-eval/schemas.ts";
import { type ApiArea, auth, badRequest, bearer, json, param, problem, queryParams } from "./common.ts";

const BASE = "/v1/human-eval/studies";
const study = param("id", StudyId);
const rater = param("rater", RaterId, "query");
const noStudy = problem("No such study");

export const humanEvalApi: ApiArea = {
  schemas: {
    CreateStudyRequest: CreateStudy,
    Study,
    Tasks,
    PostRatingRequest: PostRating,
    RatingRecorded,
    Report,
  },
  paths: {
    [BASE]: {
      post: {
        summary:
          "Create a study (pairwise A/B or Likert) over model outputs; sides and order are blinded per rater",
        security: bearer("write"),
        requestBody: { required: true, content: json("CreateStudyRequest") },
        responses: {
          201: { description: "Created; Location names it", content: json("Study") },
          400: badRequest,
          ...auth,
        },
      },
    },
    [`${BASE}/{id}`]: {
      get: {
        summary: "A study",
        security: bearer("read"),
        parameters: [study],
        responses: { 200: { description: "The study", content: json("Study") }, ...auth, 404: noStudy },
      },
    },
    [`${BASE}/{id}/tasks`]: {
      get: {
        summary: "A rater's remaining items, blinded (no variant names)",
        security: bearer("read"),
        parameters: [study, rater],
        responses: {
          200: { description: "Tasks", content: json("Tasks") },
          400: badRequest,
          ...auth,
          404: noStudy,
        },
      },
    },
    [`${BASE}/{id}/ratings`]: {
      post: {
        summary: "Record a rater's judgment of one item",
        security: bearer("read"),
        parameters: [study],
        requestBody: { required: true, content: json("PostRatingRequest") },
        responses: {
          201: { description: "Recorded", content: json("RatingRecorded") },
          400: badRequest,
          ...auth,
          404: noStudy,
          422: problem("The rating does not fit the study (unknown item, choice outside the scale)"),
        },
      },
    },
    [`${BASE}/{id}/report`]: {
      get: {
        summary:
          "Win rates or Likert means with bootstrap intervals, and inter-rater agreement (kappa, weighted for Likert); for the study's creator and admins only (403 for raters)",
        security: bearer("read"),
        parameters: [study, ...queryParams(ReportQuery)],
        responses: {
          200: { description: "The report", content: json("Report") },
          400: badRequest,
          ...auth,
          404: noStudy,
        },
      },
    },
    [`${BASE}/{id}/rate`]: {
      get: {
        summary: "The rater page (HTML); its API calls carry the token from the URL fragment",
        parameters: [study, rater],
        responses: {
          200: { description: "The page", content: { "text/html": { schema: { type: "string" } } } },
          400: badRequest,
          404: noStudy,
        },
      },
    },
  },
};
