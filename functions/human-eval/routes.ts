// Human evaluation of model variants:
//   POST /v1/human-eval/studies                      create a study (write)
//   GET  /v1/human-eval/studies/{id}                 the study (read)
//   GET  /v1/human-eval/studies/{id}/tasks?rater=    a rater's remaining items, blinded (read)
//   POST /v1/human-eval/studies/{id}/ratings         record a rater's judgment (read)
//   GET  /v1/human-eval/studies/{id}/report          win rate / Likert means with CIs, kappa (the study's
//                                                    creator or admin; raters never: ./access.ts)
//   GET  /v1/human-eval/studies/{id}/rate?rater=     the rater page (HTML; its API calls carry the token)
import { Hono } from "hono";
import { z } from "zod";
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody } from "../json-body.ts";
import { Problem } from "../problem.ts";
import { assertMayReadReport, bearerTokenHash } from "./access.ts";
import { raterPage } from "./page.ts";
import { buildReport } from "./report.ts";
import {
  CreateStudy,
  PostRating,
  RaterId,
  RatingRecorded,
  Report,
  ReportQuery,
  Study,
  StudyConfig,
  StudyId,
  Tasks,
} from "./schemas.ts";
import {
  aFirst,
  createStudy,
  getItems,
  getRatings,
  getStudy,
  putRating,
  raterOrder,
  type StudyRow,
} from "./store.ts";

const BASE = "/v1/human-eval/studies";

async function existingStudy(db: D1Database, raw: string) {
  const id = StudyId.safeParse(raw);
  const row = id.success ? await getStudy(db, id.data) : null;
  if (!row) {
    throw new Problem({
      status: 404,
      slug: "study-not-found",
      title: "Not Found",
      detail: `No human-evaluation study ${JSON.stringify(raw)}`,
    });
  }
  return { row, config: StudyConfig.parse(JSON.parse(row.config)) };
}

function studyView(row: StudyRow, config: StudyConfig): Study {
  return {
    object: "human_eval_study",
    id: row.id,
    name: row.name,
    kind: row.kind,
    question: config.question,
    ...(config.kind === "pairwise" ? { variants: config.variants } : { scale: config.scale }),
    items: row.item_count,
    createdAt: row.created_at,
    raterPage: `${BASE}/${row.id}/rate?rater={rater}`,
  };
}

/** The `rater` query parameter, checked (400 problem+json when missing or malformed). */
function raterParam(value: string | undefined): string {
  return z.object({ rater: RaterId }).parse({ rater: value }).rater;
}

export const humanEval = new Hono<AppEnv>()
  .post(BASE, requireScope("write", "to create human-evaluation studies"), async (c) => {
    const body = await jsonBody(c.req.raw, CreateStudy);
    const row = await createStudy(c.env.REGISTRY, body, await bearerTokenHash(c));
    const view = conform(Study, studyView(row, StudyConfig.parse(JSON.parse(row.config))));
    return c.json(view, 201, { location: `${BASE}/${row.id}` });
  })
  .get(`${BASE}/:id`, requireScope("read", "to read human-evaluation studies"), async (c) => {
    const { row, config } = await existingStudy(c.env.REGISTRY, c.req.param("id"));
    return c.json(conform(Study, studyView(row, config)));
  })
  .get(`${BASE}/:id/tasks`, requireScope("read", "to rate human-evaluation studies"), async (c) => {
    const rater = raterParam(c.req.query("rater"));
    const { row, config } = await existingStudy(c.env.REGISTRY, c.req.param("id"));
    const [items, mine] = await Promise.all([
      getItems(c.env.REGISTRY, row.id),
      getRatings(c.env.REGISTRY, row.id, rater),
    ]);
    const judged = new Set(mine.map((r) => r.idx));
    const byIdx = new Map(items.map((it) => [it.idx, it]));
    const order = (await raterOrder(row.blind_key, rater, row.item_count)).filter((idx) => !judged.has(idx));
    const tasks = await Promise.all(
      order.map(async (idx) => {
        const it = byIdx.get(idx);
        if (!it) throw new Error(`study ${row.id} lacks item ${idx}`);
        if (config.kind === "likert") return { item: idx, prompt: it.prompt, output: it.output_a };
        const a = it.output_a;
        const b = it.output_b ?? "";
        const first = await aFirst(row.blind_key, rater, idx);
        return { item: idx, prompt: it.prompt, first: first ? a : b, second: first ? b : a };
      }),
    );
    return c.json(
      conform(Tasks, {
        object: "human_eval_tasks",
        study: row.id,
        kind: row.kind,
        question: config.question,
        ...(config.kind === "likert" ? { scale: config.scale } : {}),
        rater,
        total: row.item_count,
        done: judged.size,
        items: tasks,
      }),
    );
  })
  .post(`${BASE}/:id/ratings`, requireScope("read", "to rate human-evaluation studies"), async (c) => {
    const { row, config } = await existingStudy(c.env.REGISTRY, c.req.param("id"));
    const body = await jsonBody(c.req.raw, PostRating);
    const invalid = (detail: string) =>
      new Problem({ status: 422, slug: "invalid-rating", title: "Unprocessable Content", detail });
    if (body.item >= row.item_count) {
      throw invalid(`Item ${body.item} is not in this study (items 0–${row.item_count - 1})`);
    }
    let done: number;
    if (config.kind === "pairwise") {
      if (body.choice === undefined || body.score !== undefined) {
        throw invalid("A pairwise rating has a 'choice' (first, second or tie) and no 'score'");
      }
      const shownFirst = await aFirst(row.blind_key, body.rater, body.item);
      const choice =
        body.choice === "tie"
          ? "tie"
          : (body.choice === "first") === shownFirst
            ? ("A" as const)
            : ("B" as const);
      done = await putRating(c.env.REGISTRY, {
        study: row.id,
        idx: body.item,
        rater: body.rater,
        choice,
        aFirst: shownFirst,
      });
    } else {
      const { min, max } = config.scale;
      if (body.score === undefined || body.choice !== undefined) {
        throw invalid(`A Likert rating has a 'score' (${min}–${max}) and no 'choice'`);
      }
      if (body.score < min || body.score > max) {
        throw invalid(`Score ${body.score} is off this study's scale ${min}–${max}`);
      }
      done = await putRating(c.env.REGISTRY, {
        study: row.id,
        idx: body.item,
        rater: body.rater,
        score: body.score,
      });
    }
    return c.json(
      conform(RatingRecorded, {
        object: "human_eval_rating",
        study: row.id,
        rater: body.rater,
        item: body.item,
        total: row.item_count,
        done,
      }),
      201,
    );
  })
  .get(`${BASE}/:id/report`, requireScope("read", "to read human-evaluation reports"), async (c) => {
    const { row, config } = await existingStudy(c.env.REGISTRY, c.req.param("id"));
    await assertMayReadReport(c, row);
    const resampling = ReportQuery.parse(c.req.query());
    const [items, ratings] = await Promise.all([
      getItems(c.env.REGISTRY, row.id),
      getRatings(c.env.REGISTRY, row.id),
    ]);
    return c.json(conform(Report, buildReport(row, config, items, ratings, resampling)));
  })
  .get(`${BASE}/:id/rate`, async (c) => {
    const rater = raterParam(c.req.query("rater"));
    const { row, config } = await existingStudy(c.env.REGISTRY, c.req.param("id"));
    const nonce = crypto.randomUUID().replaceAll("-", "");
    const { html, csp } = raterPage(
      {
        study: row.id,
        name: row.name,
        kind: row.kind,
        rater,
        ...(config.kind === "likert" ? { scale: config.scale } : {}),
      },
      nonce,
    );
    return c.html(html, 200, {
      "content-security-policy": csp,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
  });
