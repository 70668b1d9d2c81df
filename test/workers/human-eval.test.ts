// Human evaluation through the Worker: studies, blinded tasks, ratings mapped back to the true
// variants, the report (win rate with CI, Likert means, Cohen's / Fleiss' / weighted kappa; readable
// by the study's creator and admins, never by raters), the rater page, and problem+json for every bad
// input.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, problemOf, sha256Hex, type TokenScope } from "./api.ts";
import { TOKENS } from "./tokens.ts";

const BASE = "/v1/human-eval/studies";

function post(path: string, body: unknown, token: TokenScope | null = "write") {
  return api(path, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
    ...(token ? { token } : {}),
  });
}

/** n pairwise items whose outputs say which variant wrote them (the tests read them; raters would not). */
function pairwiseItems(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    prompt: `prompt ${i}`,
    outputs: { A: `alpha answer ${i}`, B: `beta answer ${i}` },
  }));
}

async function createPairwise(n: number) {
  const res = await post(BASE, {
    kind: "pairwise",
    name: "q8 vs fp32",
    variants: { A: "tiny@1 q8", B: "tiny@1 fp32" },
    items: pairwiseItems(n),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; items: number; variants: { A: string; B: string } };
}

interface PairTask {
  item: number;
  prompt: string;
  first: string;
  second: string;
}

async function tasksOf(id: string, rater: string) {
  const res = await api(`${BASE}/${id}/tasks?rater=${rater}`, { token: "read" });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { total: number; done: number; items: PairTask[]; question: string };
}

/** Rates every remaining item as `pick(item)` says (the true variant wanted), through first/second. */
async function rateAll(id: string, rater: string, pick: (item: number) => "A" | "B" | "tie") {
  const { items } = await tasksOf(id, rater);
  for (const t of items) {
    const want = pick(t.item);
    const choice =
      want === "tie" ? "tie" : t.first.startsWith(want === "A" ? "alpha" : "beta") ? "first" : "second";
    const res = await post(`${BASE}/${id}/ratings`, { rater, item: t.item, choice }, "read");
    expect(res.status, await res.clone().text()).toBe(201);
  }
}

/** The report as the study's creator reads it (studies here are created with the write token). */
async function reportOf(id: string, query = "") {
  const res = await api(`${BASE}/${id}/report${query}`, { token: "write" });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Record<string, unknown> & {
    counts: { A: number; B: number; tie: number };
    winRate: { estimate: number; lower: number; upper: number; confidence: number } | null;
    agreement: { method: string; kappa: number | null; items: number; raters: number } | null;
    ratings: number;
    raters: number;
  };
}

describe("human evaluation: pairwise studies", () => {
  it("creates a study (write), shows it (read) and never exposes the blinding key", async () => {
    const res = await post(BASE, {
      kind: "pairwise",
      name: "q8 vs fp32",
      variants: { A: "tiny@1 q8", B: "tiny@1 fp32" },
      items: pairwiseItems(3),
    });
    expect(res.status).toBe(201);
    const study = (await res.json()) as Record<string, unknown> & { id: string };
    expect(study).toMatchObject({
      object: "human_eval_study",
      kind: "pairwise",
      name: "q8 vs fp32",
      question: "Which response is better?",
      variants: { A: "tiny@1 q8", B: "tiny@1 fp32" },
      items: 3,
      raterPage: `${BASE}/${study.id}/rate?rater={rater}`,
    });
    expect(res.headers.get("location")).toBe(`${BASE}/${study.id}`);
    const got = await api(`${BASE}/${study.id}`, { token: "read" });
    expect(await got.json()).toEqual(study);
    const row = await env.REGISTRY.prepare("SELECT blind_key FROM human_eval_studies WHERE id = ?1")
      .bind(study.id)
      .first<{ blind_key: string }>();
    expect(row?.blind_key).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(study)).not.toContain(row?.blind_key);
  });

  it("tasks are blind: no variant names, sides and order vary per rater, stable for one rater", async () => {
    const { id } = await createPairwise(40);
    const alice = await tasksOf(id, "alice");
    const bob = await tasksOf(id, "bob");
    expect(alice.total).toBe(40);
    expect(alice.items).toHaveLength(40);
    for (const t of alice.items) expect(Object.keys(t).sort()).toEqual(["first", "item", "prompt", "second"]);
    const text = JSON.stringify(alice);
    expect(text).not.toContain("tiny@1");
    expect(text).not.toMatch(/"(A|B|variant|variants)"/);
    // each pair once, on some side
    for (const t of alice.items) {
      expect([t.first, t.second].sort()).toEqual([`alpha answer ${t.item}`, `beta answer ${t.item}`]);
    }
    // sides are a fair coin per item (all 40 on one side: chance 2⁻³⁹), orders differ per rater
    const aliceAFirst = alice.items.filter((t) => t.first.startsWith("alpha")).length;
    expect(aliceAFirst).toBeGreaterThan(0);
    expect(aliceAFirst).toBeLessThan(40);
    expect(alice.items.map((t) => t.item)).not.toEqual(bob.items.map((t) => t.item));
    expect(alice.items.map((t) => t.item).sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    expect(await tasksOf(id, "alice")).toEqual(alice);
  });

  it("ratings map back to the true variants; the report gives win rate with CI and counts", async () => {
    const { id } = await createPairwise(10);
    // A wins items 0–5, B wins 6–7, ties on 8–9 → (6 + 1)/10 = 0.7
    await rateAll(id, "alice", (i) => (i < 6 ? "A" : i < 8 ? "B" : "tie"));
    const report = await reportOf(id);
    expect(report).toMatchObject({
      object: "human_eval_report",
      kind: "pairwise",
      variants: { A: "tiny@1 q8", B: "tiny@1 fp32" },
      items: 10,
      raters: 1,
      ratings: 10,
      counts: { A: 6, B: 2, tie: 2 },
      agreement: null,
    });
    expect(report.winRate?.estimate).toBeCloseTo(0.7, 12);
    expect(report.winRate?.lower).toBeLessThan(0.7);
    expect(report.winRate?.upper).toBeGreaterThan(0.7);
    expect(report.winRate?.confidence).toBe(0.95);
    // the stored judgments are in true-variant terms, with the side A was on
    const rows = await env.REGISTRY.prepare(
      "SELECT idx, choice, a_first FROM human_eval_ratings WHERE study_id = ?1 ORDER BY idx",
    )
      .bind(id)
      .all<{ idx: number; choice: string; a_first: number }>();
    expect(rows.results.map((r) => r.choice)).toEqual(["A", "A", "A", "A", "A", "A", "B", "B", "tie", "tie"]);
    // seeded: the same query gives the same interval; another confidence another one
    expect(await reportOf(id)).toEqual(report);
    const r90 = await reportOf(id, "?confidence=0.9&samples=500&seed=7");
    expect(r90.winRate?.confidence).toBe(0.9);
  });

  it("re-rating an item replaces the rater's judgment; done counts items, not posts", async () => {
    const { id } = await createPairwise(2);
    const [t] = (await tasksOf(id, "carol")).items as [PairTask];
    const first = await post(
      `${BASE}/${id}/ratings`,
      { rater: "carol", item: t.item, choice: "first" },
      "read",
    );
    expect(await first.json()).toMatchObject({
      object: "human_eval_rating",
      item: t.item,
      done: 1,
      total: 2,
    });
    const again = await post(
      `${BASE}/${id}/ratings`,
      { rater: "carol", item: t.item, choice: "tie" },
      "read",
    );
    expect(await again.json()).toMatchObject({ done: 1 });
    expect((await reportOf(id)).counts).toEqual({ A: 0, B: 0, tie: 1 });
    const left = await tasksOf(id, "carol");
    expect(left.done).toBe(1);
    expect(left.items.map((x) => x.item)).toEqual([1 - t.item]);
  });

  it("two raters → Cohen's kappa; three → Fleiss' kappa (on the items all of them judged)", async () => {
    const { id } = await createPairwise(6);
    const truth = (i: number) => (["A", "A", "B", "tie", "A", "B"] as const)[i] as "A" | "B" | "tie";
    await rateAll(id, "r1", truth);
    await rateAll(id, "r2", (i) => (i === 5 ? "A" : truth(i)));
    const two = await reportOf(id);
    // by hand: p_o = 5/6; r1 marginals A 3, B 2, tie 1; r2 A 4, B 1, tie 1 → p_e = (12 + 2 + 1)/36
    const pe = 15 / 36;
    expect(two.agreement).toMatchObject({ method: "cohen", items: 6, raters: 2 });
    expect(two.agreement?.kappa).toBeCloseTo((5 / 6 - pe) / (1 - pe), 12);
    await rateAll(id, "r3", truth);
    const three = await reportOf(id);
    expect(three.agreement).toMatchObject({ method: "fleiss", items: 6, raters: 3 });
    // by hand: P_i = 1 for items 0–4, item 5 (B, A, B): (4 + 1 − 3)/6 = 1/3 → P̄ = (5 + 1/3)/6 = 8/9
    // category totals over 18: A 10, B 5, tie 3 → P̄_e = (100 + 25 + 9)/324
    const pbar = 8 / 9;
    const pbarE = 134 / 324;
    expect(three.agreement?.kappa).toBeCloseTo((pbar - pbarE) / (1 - pbarE), 12);
    expect(three.counts).toEqual({ A: 10, B: 5, tie: 3 });
    expect(three.ratings).toBe(18);
  });

  it("a study with no ratings reports no win rate and no agreement", async () => {
    const { id } = await createPairwise(1);
    expect(await reportOf(id)).toMatchObject({ ratings: 0, raters: 0, winRate: null, agreement: null });
  });
});

describe("human evaluation: Likert studies", () => {
  it("scores on the scale; means overall and per variant with CIs; kappa on scores", async () => {
    const res = await post(BASE, {
      kind: "likert",
      name: "fluency",
      scale: { min: 1, max: 5 },
      items: [
        { prompt: "p0", output: "o0", variant: "q8" },
        { prompt: "p1", output: "o1", variant: "q8" },
        { prompt: "p2", output: "o2", variant: "fp32" },
        { prompt: "p3", output: "o3", variant: "fp32" },
      ],
    });
    expect(res.status).toBe(201);
    const study = (await res.json()) as { id: string; scale: unknown; question: string };
    expect(study.scale).toEqual({ min: 1, max: 5 });
    const tasks = await api(`${BASE}/${study.id}/tasks?rater=ann`, { token: "read" });
    const body = (await tasks.json()) as { items: Record<string, unknown>[]; scale: unknown };
    expect(body.scale).toEqual({ min: 1, max: 5 });
    for (const t of body.items) expect(Object.keys(t).sort()).toEqual(["item", "output", "prompt"]);
    expect(JSON.stringify(body)).not.toMatch(/q8|fp32/);
    const scores: Record<string, number[]> = { ann: [2, 3, 5, 4], ben: [2, 3, 5, 5] };
    for (const [rater, s] of Object.entries(scores)) {
      for (const [item, score] of s.entries()) {
        const r = await post(`${BASE}/${study.id}/ratings`, { rater, item, score }, "read");
        expect(r.status).toBe(201);
      }
    }
    const report = await reportOf(study.id);
    expect(report).toMatchObject({ kind: "likert", ratings: 8, raters: 2, scale: { min: 1, max: 5 } });
    const overall = report.overall as { n: number; mean: { estimate: number }; distribution: unknown };
    expect(overall.n).toBe(8);
    expect(overall.mean.estimate).toBe(29 / 8);
    expect(overall.distribution).toEqual({ "1": 0, "2": 2, "3": 2, "4": 1, "5": 3 });
    const byVariant = report.byVariant as Record<string, { n: number; mean: { estimate: number } }>;
    expect(byVariant.q8?.mean.estimate).toBe(2.5);
    expect(byVariant.fp32?.mean.estimate).toBe(19 / 4);
    // Cohen on scores 1–5: p_o 3/4; ann {2,3,5,4}, ben {2,3,5,5} → p_e = (1 + 1 + 2)/16 = 1/4 → κ = 2/3
    expect(report.agreement).toMatchObject({ method: "cohen", items: 4, raters: 2 });
    expect(report.agreement?.kappa).toBeCloseTo(2 / 3, 12);
    // weighted on the 1–5 scale, as scikit-learn 1.9.1's cohen_kappa_score(ann, ben, weights=…,
    // labels=[1..5]) gives: the one disagreement (4 vs 5) is a near miss, so both exceed plain kappa
    expect(report.weightedAgreement).toMatchObject({ method: "cohen", items: 4, raters: 2 });
    const weighted = report.weightedAgreement as { linear: number; quadratic: number };
    expect(weighted.linear).toBeCloseTo(0.8181818181818181, 12);
    expect(weighted.quadratic).toBeCloseTo(0.9166666666666666, 12);

    // a third rater: the mean over the three rater pairs (sklearn, pair by pair, then averaged)
    for (const [item, score] of [1, 3, 4, 4].entries()) {
      expect((await post(`${BASE}/${study.id}/ratings`, { rater: "cy", item, score }, "read")).status).toBe(
        201,
      );
    }
    const three = await reportOf(study.id);
    expect(three.weightedAgreement).toMatchObject({ method: "mean-pairwise", items: 4, raters: 3 });
    const mean = three.weightedAgreement as { linear: number; quadratic: number };
    expect(mean.linear).toBeCloseTo(0.6643356643356643, 12);
    expect(mean.quadratic).toBeCloseTo(0.85, 12);
  });

  it("pairwise reports carry no weighted kappa (choices are not on a scale)", async () => {
    const { id } = await createPairwise(2);
    await rateAll(id, "alice", () => "A");
    await rateAll(id, "bob", () => "A");
    expect(await reportOf(id)).not.toHaveProperty("weightedAgreement");
  });
});

describe("human evaluation: who reads the report", () => {
  it("its creator and admins may; raters (read tokens) and other writers get 403", async () => {
    const { id } = await createPairwise(2); // created with the write token
    await rateAll(id, "alice", () => "A");
    expect((await api(`${BASE}/${id}/report`, { token: "write" })).status).toBe(200);
    expect((await api(`${BASE}/${id}/report`, { token: "admin" })).status).toBe(200);
    const rater = await problemOf(await api(`${BASE}/${id}/report`, { token: "read" }), 403);
    expect(rater.type).toBe("https://edgetune.dev/problems/report-not-yours");
    expect(rater.detail).toMatch(/creator and for admins only/);
    // a study the admin created is not the write token's
    const res = await post(BASE, { kind: "pairwise", name: "admin's", items: pairwiseItems(1) }, "admin");
    const theirs = (await res.json()) as { id: string };
    await problemOf(await api(`${BASE}/${theirs.id}/report`, { token: "write" }), 403);
    expect((await api(`${BASE}/${theirs.id}/report`, { token: "admin" })).status).toBe(200);
    // the creator is stored as the token's SHA-256, never the token
    const row = await env.REGISTRY.prepare("SELECT creator FROM human_eval_studies WHERE id = ?1")
      .bind(id)
      .first<{ creator: string }>();
    expect(row?.creator).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.creator).toBe(await sha256Hex(TOKENS.write));
  });

  it("a study from before creators were recorded is readable by admins only", async () => {
    const { id } = await createPairwise(1);
    await env.REGISTRY.prepare("UPDATE human_eval_studies SET creator = NULL WHERE id = ?1").bind(id).run();
    await problemOf(await api(`${BASE}/${id}/report`, { token: "write" }), 403);
    expect((await api(`${BASE}/${id}/report`, { token: "admin" })).status).toBe(200);
  });
});

describe("human evaluation: the rater page", () => {
  it("is plain HTML with a nonce CSP, naming the rater but no variant", async () => {
    const { id } = await createPairwise(2);
    const res = await api(`${BASE}/${id}/rate?rater=alice`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    const html = await res.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain("alice");
    expect(html).not.toContain("tiny@1");
    expect(html).not.toContain("alpha answer");
  });

  it("escapes what it embeds", async () => {
    const res = await post(BASE, {
      kind: "pairwise",
      name: "</script><img src=x onerror=alert(1)>",
      items: pairwiseItems(1),
    });
    const { id } = (await res.json()) as { id: string };
    const html = await (await api(`${BASE}/${id}/rate?rater=alice`)).text();
    expect(html).not.toContain("<img");
    expect(html).not.toContain("</script><");
  });

  it("refuses a bad rater id (400) and an unknown study (404)", async () => {
    const { id } = await createPairwise(1);
    const bad = await problemOf(await api(`${BASE}/${id}/rate?rater=<x>`), 400);
    expect(bad.type).toBe("https://edgetune.dev/problems/validation-failed");
    await problemOf(await api(`${BASE}/${id}/rate`), 400);
    const missing = await problemOf(await api(`${BASE}/hes_${"0".repeat(32)}/rate?rater=a`), 404);
    expect(missing.type).toBe("https://edgetune.dev/problems/study-not-found");
  });
});

describe("human evaluation: auth and bad input", () => {
  it("creating needs write; rating and reading need a token", async () => {
    const body = { kind: "pairwise", name: "x", items: pairwiseItems(1) };
    await problemOf(await post(BASE, body, null), 401);
    const forbidden = await problemOf(await post(BASE, body, "read"), 403);
    expect(forbidden.requiredScope).toBe("write");
    const { id } = await createPairwise(1);
    await problemOf(await api(`${BASE}/${id}/tasks?rater=a`), 401);
    await problemOf(await api(`${BASE}/${id}/report`), 401);
    await problemOf(await post(`${BASE}/${id}/ratings`, { rater: "a", item: 0, choice: "tie" }, null), 401);
    expect((await post(BASE, body, "admin")).status).toBe(201);
  });

  it("invalid studies are 400 with issues", async () => {
    const cases: unknown[] = [
      { kind: "pairwise", name: "x", items: [] },
      { kind: "pairwise", name: "x", items: [{ prompt: "p", outputs: { A: "a" } }] },
      { kind: "pairwise", name: "x", items: [{ prompt: "p", outputs: { A: "a", B: "b", C: "c" } }] },
      { kind: "likert", name: "x", items: [{ prompt: "p", output: "o" }], scale: { min: 5, max: 1 } },
      { kind: "ranking", name: "x", items: [] },
      { kind: "pairwise", items: pairwiseItems(1) },
      { kind: "pairwise", name: "x", items: pairwiseItems(501) },
    ];
    for (const body of cases) {
      const p = await problemOf(await post(BASE, body), 400);
      expect(p.type).toBe("https://edgetune.dev/problems/validation-failed");
      expect((p.issues as unknown[]).length).toBeGreaterThan(0);
    }
    const notJson = await problemOf(await post(BASE, "{nope"), 400);
    expect(notJson.type).toBe("https://edgetune.dev/problems/invalid-json");
  });

  it("invalid ratings: 400 for shape, 422 for the wrong kind, item or scale, 404 for an unknown study", async () => {
    const { id } = await createPairwise(2);
    const rate = (body: unknown) => post(`${BASE}/${id}/ratings`, body, "read");
    await problemOf(await rate({ rater: "a", item: 0, choice: "left" }), 400);
    await problemOf(await rate({ rater: "", item: 0, choice: "tie" }), 400);
    await problemOf(await rate({ rater: "a", item: -1, choice: "tie" }), 400);
    await problemOf(await rate({ rater: "a", item: 0, choice: "tie", extra: 1 }), 400);
    const outOfRange = await problemOf(await rate({ rater: "a", item: 2, choice: "tie" }), 422);
    expect(outOfRange.type).toBe("https://edgetune.dev/problems/invalid-rating");
    await problemOf(await rate({ rater: "a", item: 0, score: 3 }), 422);
    await problemOf(await rate({ rater: "a", item: 0 }), 422);
    const likert = (await (
      await post(BASE, { kind: "likert", name: "l", items: [{ prompt: "p", output: "o" }] })
    ).json()) as { id: string };
    const offScale = await problemOf(
      await post(`${BASE}/${likert.id}/ratings`, { rater: "a", item: 0, score: 6 }, "read"),
      422,
    );
    expect(offScale.detail).toMatch(/off this study's scale 1–5/);
    await problemOf(
      await post(`${BASE}/${likert.id}/ratings`, { rater: "a", item: 0, choice: "first" }, "read"),
      422,
    );
    await problemOf(
      await post(`${BASE}/hes_${"f".repeat(32)}/ratings`, { rater: "a", item: 0, choice: "tie" }, "read"),
      404,
    );
    await problemOf(await api(`${BASE}/not-a-study/report`, { token: "read" }), 404);
    await problemOf(await api(`${BASE}/${id}/report?confidence=2`, { token: "write" }), 400);
    await problemOf(await api(`${BASE}/${id}/tasks`, { token: "read" }), 400);
    // nothing was recorded by the refused ratings
    expect((await reportOf(id)).ratings).toBe(0);
  });

  it("unsupported methods are 405 with Allow", async () => {
    const { id } = await createPairwise(1);
    const res = await api(`${BASE}/${id}/report`, { method: "DELETE", token: "write" });
    await problemOf(res, 405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });
});
