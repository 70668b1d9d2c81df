// Human-evaluation studies, items and ratings in D1, and the blinding: each rater sees the items in
// an order of their own and each pair's outputs on sides of their own, both derived from the study's
// secret key, so the Worker can map a "first"/"second" choice back to the true variant without
// storing anything per rater beforehand.
import type { CreateStudy, StudyConfig } from "./schemas.ts";

export interface StudyRow {
  id: string;
  kind: "pairwise" | "likert";
  name: string;
  config: string;
  blind_key: string;
  item_count: number;
  created_at: string;
  /** SHA-256 of the bearer token that created the study (null for studies older than migration 0006) */
  creator: string | null;
}

export interface ItemRow {
  idx: number;
  prompt: string;
  output_a: string;
  output_b: string | null;
  variant: string | null;
}

export interface RatingRow {
  idx: number;
  rater: string;
  choice: "A" | "B" | "tie" | null;
  score: number | null;
}

const hex = (bytes: ArrayBuffer) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Whether `rater` sees variant A first on item `idx` (a fair coin per rater and item, keyed by the study). */
export async function aFirst(blindKey: string, rater: string, idx: number): Promise<boolean> {
  const d = await digest(`side\u0000${blindKey}\u0000${rater}\u0000${idx}`);
  return ((d[0] as number) & 1) === 0;
}

/** The item indices 0…n−1 in `rater`'s own random order. */
export async function raterOrder(blindKey: string, rater: string, n: number): Promise<number[]> {
  const keyed = await Promise.all(
    Array.from({ length: n }, async (_, idx) => ({
      idx,
      key: hex((await digest(`order\u0000${blindKey}\u0000${rater}\u0000${idx}`)).buffer as ArrayBuffer),
    })),
  );
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.idx);
}

export function configOf(study: CreateStudy): StudyConfig {
  return study.kind === "pairwise"
    ? { kind: "pairwise", question: study.question, variants: study.variants }
    : { kind: "likert", question: study.question, scale: study.scale };
}

// D1 binds at most 100 parameters per statement: 6 per item row → 16 rows a statement.
const ROWS_PER_INSERT = 16;

/** Stores the study and its items in one batch (all or nothing); returns the stored row. */
export async function createStudy(db: D1Database, study: CreateStudy, creator: string): Promise<StudyRow> {
  const row: StudyRow = {
    id: `hes_${crypto.randomUUID().replaceAll("-", "")}`,
    kind: study.kind,
    name: study.name,
    config: JSON.stringify(configOf(study)),
    blind_key: hex(crypto.getRandomValues(new Uint8Array(32)).buffer as ArrayBuffer),
    item_count: study.items.length,
    created_at: new Date().toISOString(),
    creator,
  };
  const items: (string | number | null)[][] =
    study.kind === "pairwise"
      ? study.items.map((it, idx) => [row.id, idx, it.prompt, it.outputs.A, it.outputs.B, null])
      : study.items.map((it, idx) => [row.id, idx, it.prompt, it.output, null, it.variant ?? null]);
  const statements = [
    db
      .prepare(
        `INSERT INTO human_eval_studies (id, kind, name, config, blind_key, item_count, created_at, creator)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
      )
      .bind(row.id, row.kind, row.name, row.config, row.blind_key, row.item_count, row.created_at, creator),
  ];
  for (let start = 0; start < items.length; start += ROWS_PER_INSERT) {
    const chunk = items.slice(start, start + ROWS_PER_INSERT);
    const values = chunk.map((_, r) => `(${[1, 2, 3, 4, 5, 6].map((c) => `?${r * 6 + c}`).join(", ")})`);
    statements.push(
      db
        .prepare(
          `INSERT INTO human_eval_items (study_id, idx, prompt, output_a, output_b, variant) VALUES ${values.join(", ")}`,
        )
        .bind(...chunk.flat()),
    );
  }
  await db.batch(statements);
  return row;
}

export function getStudy(db: D1Database, id: string): Promise<StudyRow | null> {
  return db.prepare("SELECT * FROM human_eval_studies WHERE id = ?1").bind(id).first<StudyRow>();
}

export async function getItems(db: D1Database, id: string): Promise<ItemRow[]> {
  const { results } = await db
    .prepare(
      "SELECT idx, prompt, output_a, output_b, variant FROM human_eval_items WHERE study_id = ?1 ORDER BY idx",
    )
    .bind(id)
    .all<ItemRow>();
  return results;
}

export async function getRatings(db: D1Database, id: string, rater?: string): Promise<RatingRow[]> {
  const stmt =
    rater === undefined
      ? db
          .prepare(
            "SELECT idx, rater, choice, score FROM human_eval_ratings WHERE study_id = ?1 ORDER BY rater, idx",
          )
          .bind(id)
      : db
          .prepare(
            "SELECT idx, rater, choice, score FROM human_eval_ratings WHERE study_id = ?1 AND rater = ?2 ORDER BY idx",
          )
          .bind(id, rater);
  return (await stmt.all<RatingRow>()).results;
}

/** Records (or replaces) `rater`'s judgment of item `idx`; returns how many items the rater has judged. */
export async function putRating(
  db: D1Database,
  rating: { study: string; idx: number; rater: string } & (
    | { choice: "A" | "B" | "tie"; aFirst: boolean }
    | { score: number }
  ),
): Promise<number> {
  const now = new Date().toISOString();
  const [, count] = await db.batch([
    db
      .prepare(
        `INSERT INTO human_eval_ratings (study_id, idx, rater, choice, score, a_first, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (study_id, idx, rater) DO UPDATE SET
           choice = excluded.choice, score = excluded.score, a_first = excluded.a_first,
           updated_at = excluded.updated_at`,
      )
      .bind(
        rating.study,
        rating.idx,
        rating.rater,
        "choice" in rating ? rating.choice : null,
        "score" in rating ? rating.score : null,
        "choice" in rating ? (rating.aFirst ? 1 : 0) : null,
        now,
      ),
    db
      .prepare("SELECT COUNT(*) AS n FROM human_eval_ratings WHERE study_id = ?1 AND rater = ?2")
      .bind(rating.study, rating.rater),
  ]);
  return Number((count?.results?.[0] as { n: number } | undefined)?.n ?? 0);
}
