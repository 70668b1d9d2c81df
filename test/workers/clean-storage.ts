// The workerd test files share one workerd process (vitest.workers.config.ts: isolate: false), and
// rely on each file starting with empty storage (test/workers/setup.ts resets it). Two test files
// check that with this probe: each finds no row and no object, then leaves some behind, so whichever
// of them runs second fails if storage leaks from one file into the next.
import { env } from "cloudflare:workers";
import { expect } from "vitest";

async function tables(): Promise<string[]> {
  const { results } = await env.REGISTRY.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'",
  ).all<{ name: string }>();
  return results.map((r) => r.name);
}

export async function findsCleanStorageAndLeavesAMark(mark: string): Promise<void> {
  const names = await tables();
  expect(names).toContain("models");
  const rows = Object.fromEntries(
    await Promise.all(
      names.map(async (table) => {
        const row = await env.REGISTRY.prepare(`SELECT count(*) AS n FROM "${table}"`).first<{ n: number }>();
        return [table, row?.n] as const;
      }),
    ),
  );
  expect(Object.entries(rows).filter(([, n]) => n !== 0)).toEqual([]);
  expect((await env.ARTIFACTS.list()).objects.map((o) => o.key)).toEqual([]);

  await env.ARTIFACTS.put(`probe/${mark}`, mark);
  await env.REGISTRY.prepare("INSERT INTO models (name, created_at) VALUES (?1, ?2)")
    .bind(`probe-${mark}`, new Date().toISOString())
    .run();
}
