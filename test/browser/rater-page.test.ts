// The human-evaluation rater page in a real browser: the Worker runs in real workerd (startLocalWorker),
// a pairwise study is created through the API, Debian Chromium opens the rater page and clicks a
// choice for every item, and the API's report must reflect those clicks. The page must never show
// (or receive) which output is which variant.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../functions/local.ts";
import { launchChromium } from "./chromium.ts";

const DEV_TOKEN = "et_dev_rater_page_test_5c1e";
const VARIANTS = { A: "secret-variant-q8", B: "secret-variant-fp32" };
const N = 6;
// What each rater means to pick, by item, in terms of the true variants.
const ALICE = ["A", "A", "A", "A", "B", "tie"] as const;
const BOB = ["A", "A", "B", "B", "tie", "tie"] as const;

let stateDir: string;
let worker: LocalWorker;
let browser: Browser;
let studyId: string;

async function callApi(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${DEV_TOKEN}`);
  if (init.body) headers.set("content-type", "application/json");
  return fetch(`${worker.url}${path}`, { ...init, headers });
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "edgetune-rater-"));
  worker = await startLocalWorker({ port: 0, stateDir, devToken: DEV_TOKEN });
  browser = await launchChromium();
  const res = await callApi("/v1/human-eval/studies", {
    method: "POST",
    body: JSON.stringify({
      kind: "pairwise",
      name: "Summaries: q8 against fp32",
      variants: VARIANTS,
      // the outputs tell the test (which wrote them) the variant; the page only shows them as text
      items: Array.from({ length: N }, (_, i) => ({
        prompt: `Question ${i}: summarise the report.`,
        outputs: { A: `Kestrel reply ${i}.`, B: `Otter reply ${i}.` },
      })),
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  studyId = ((await res.json()) as { id: string }).id;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

interface Seen {
  item: number;
  aFirst: boolean;
  texts: string[];
}

/** Rates every item on the open page as `plan` says, by clicking; returns what each screen showed. */
async function rateThroughPage(page: Page, plan: readonly ("A" | "B" | "tie")[]): Promise<Seen[]> {
  const seen: Seen[] = [];
  for (;;) {
    await page.waitForSelector("body[data-state='item'], body[data-state='done']");
    if ((await page.getAttribute("body", "data-state")) === "done") return seen;
    const item = Number(await page.getAttribute("body", "data-item"));
    const prompt = (await page.textContent("#prompt")) ?? "";
    const first = (await page.textContent("#first")) ?? "";
    const second = (await page.textContent("#second")) ?? "";
    expect(prompt).toBe(`Question ${item}: summarise the report.`);
    expect([first, second].sort()).toEqual([`Kestrel reply ${item}.`, `Otter reply ${item}.`]);
    const aFirst = first.startsWith("Kestrel");
    seen.push({ item, aFirst, texts: [(await page.textContent("body")) ?? "", await page.content()] });
    const want = plan[item] as "A" | "B" | "tie";
    const button =
      want === "tie" ? "#choose-tie" : (want === "A") === aFirst ? "#choose-first" : "#choose-second";
    await page.click(button);
    // the next item (or the end) replaces this one once the rating is saved
    // (a CSS wait: the page's CSP forbids the string evaluation a predicate would need)
    await page.waitForSelector(`body[data-state='done'], body[data-state='item']:not([data-item='${item}'])`);
  }
}

/** A page that records console errors and every response body it receives. */
async function openPage(url: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  const bodies: Promise<string>[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("response", (res) => {
    bodies.push(res.text().catch(() => ""));
  });
  await page.goto(url);
  return { page, errors, bodies };
}

describe("the rater page in Chromium", () => {
  it("one item at a time; clicks become ratings of the true variants; nothing reveals the variants", async () => {
    const rateUrl = `${worker.url}/v1/human-eval/studies/${studyId}/rate?rater=alice`;
    const { page, errors, bodies: pending } = await openPage(`${rateUrl}#token=${DEV_TOKEN}`);
    const seen = await rateThroughPage(page, ALICE);
    expect(await page.textContent("#done")).toContain("All done");
    expect(await page.textContent("#progress")).toBe(`Judged ${N} of ${N}`);
    // the page dropped the token from its address
    expect(page.url()).toBe(rateUrl);
    const bodies = await Promise.all(pending);
    await page.close();
    // the page loaded its HTML, its tasks and one response per rating
    expect(bodies.length).toBeGreaterThanOrEqual(2 + N);

    expect(seen.map((s) => s.item).sort()).toEqual([...Array(N).keys()]);
    for (const [text, html] of seen.map((s) => s.texts as [string, string])) {
      for (const shown of [text, html, ...bodies]) {
        expect(shown).not.toContain("secret-variant");
        expect(shown).not.toMatch(/\b(variant|model|output) ?[AB]\b/i);
      }
    }
    expect(errors).toEqual([]);

    const res = await callApi(`/v1/human-eval/studies/${studyId}/report`);
    const report = (await res.json()) as {
      counts: { A: number; B: number; tie: number };
      winRate: { estimate: number; lower: number; upper: number };
      ratings: number;
      raters: number;
      variants: { A: string; B: string };
    };
    expect(report.variants).toEqual(VARIANTS);
    expect(report.counts).toEqual({ A: 4, B: 1, tie: 1 });
    expect({ ratings: report.ratings, raters: report.raters }).toEqual({ ratings: N, raters: 1 });
    expect(report.winRate.estimate).toBeCloseTo(4.5 / 6, 12);
    expect(report.winRate.lower).toBeLessThanOrEqual(report.winRate.estimate);
    expect(report.winRate.upper).toBeGreaterThanOrEqual(report.winRate.estimate);
  });

  it("a second rater types the token in; the report then has both raters and Cohen's kappa", async () => {
    const { page, errors } = await openPage(`${worker.url}/v1/human-eval/studies/${studyId}/rate?rater=bob`);
    await page.waitForSelector("body[data-state='login']");
    await page.fill("#token", DEV_TOKEN);
    await page.click("#login button[type='submit']");
    const seen = await rateThroughPage(page, BOB);
    expect(seen).toHaveLength(N);
    await page.close();
    expect(errors).toEqual([]);

    // reloading after the end shows nothing left to rate for bob
    const again = await openPage(
      `${worker.url}/v1/human-eval/studies/${studyId}/rate?rater=bob#token=${DEV_TOKEN}`,
    );
    await again.page.waitForSelector("body[data-state='done']");
    await again.page.close();

    const report = (await (await callApi(`/v1/human-eval/studies/${studyId}/report`)).json()) as {
      counts: { A: number; B: number; tie: number };
      winRate: { estimate: number };
      raters: number;
      agreement: { method: string; kappa: number; items: number };
    };
    expect(report.counts).toEqual({ A: 6, B: 3, tie: 3 });
    expect(report.raters).toBe(2);
    expect(report.winRate.estimate).toBeCloseTo(7.5 / 12, 12);
    // by hand: agree on items 0, 1, 5 → p_o = ½; alice A 4/6, B 1/6, tie 1/6; bob ⅓ each → p_e = ⅓ → κ = ¼
    expect(report.agreement).toMatchObject({ method: "cohen", items: N });
    expect(report.agreement.kappa).toBeCloseTo(0.25, 12);
  });
});
