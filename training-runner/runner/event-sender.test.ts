// The runner's event sender against the real edge API (the Worker in workerd, local.ts) behind a small
// HTTP proxy that loses answers: it passes a request on, lets the Worker store it, then cuts the
// connection before the answer reaches the runner, as a dropped connection or a timeout would. The
// sender resends the batch with the same numbers and the job lists each event once.
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgetuneApi } from "../../client/api-client.ts";
import { type LocalWorker, startLocalWorker } from "../../functions/local.ts";
import { EventSender } from "./event-sender.ts";

const TOKEN = "et_event_sender_test_7c1f";
const dir = mkdtempSync(join(tmpdir(), "edgetune-event-sender-"));
let worker: LocalWorker;
let proxy: Server;
let viaProxy: EdgetuneApi;
let direct: EdgetuneApi;

/** What the proxy saw of each events request: the seqs sent and the Worker's answer. */
const seen: { seqs: number[]; status: number; answer: Record<string, unknown>; lost: boolean }[] = [];
/** How many of the next events answers the proxy loses. */
let loseNext = 0;

beforeAll(async () => {
  worker = await startLocalWorker({ port: 0, stateDir: join(dir, "state"), devToken: TOKEN });
  proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (const name of ["authorization", "content-type"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers.set(name, value);
    }
    const upstream = await fetch(`${worker.url}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(body.byteLength > 0 ? { body } : {}),
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    if (req.url?.endsWith("/events") && req.method === "POST") {
      const lost = loseNext > 0;
      if (lost) loseNext--;
      const events = (JSON.parse(body.toString()) as { events: { seq?: number }[] }).events;
      seen.push({
        seqs: events.map((e) => e.seq as number),
        status: upstream.status,
        answer: JSON.parse(answer.toString()) as Record<string, unknown>,
        lost,
      });
      if (lost) {
        req.socket.destroy(); // the Worker stored the batch; its answer never arrives
        return;
      }
    }
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "" });
    res.end(answer);
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  viaProxy = new EdgetuneApi(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, TOKEN);
  direct = new EdgetuneApi(worker.url, TOKEN);
}, 120_000);
afterAll(async () => {
  proxy?.close();
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function leasedJob(): Promise<{ lease: string; job: string }> {
  const file = await direct.uploadTrainingFile(
    `${JSON.stringify({ text: "win a prize", label: "spam" })}\n${JSON.stringify({ text: "lunch?", label: "ham" })}\n`,
  );
  const job = await direct.createFineTuningJob({
    model: "tiny-bert",
    training_file: file.id,
    hyperparameters: { steps: 10 },
    edgetune: { task: { labels: ["ham", "spam"] } },
  });
  const lease = await direct.lease(60);
  expect(lease?.job.id).toBe(job.id);
  return { lease: lease?.id as string, job: job.id };
}

const stepsOf = async (job: string) =>
  (await direct.fineTuningEvents(job)).filter((e) => e.data.event === "step").map((e) => e.data.step);

/** A sender through the answer-losing proxy, its log lines, and `seen` emptied. */
function proxiedSender(lease: string, tries?: number) {
  const lines: string[] = [];
  const sender = new EventSender({
    send: (batch) => viaProxy.leaseEvents(lease, batch),
    ...(tries === undefined ? {} : { tries }),
    retryMs: 10,
    log: (l) => lines.push(l),
  });
  seen.length = 0;
  return { sender, lines };
}

describe("runner event sender", () => {
  it("resends a batch whose answer was lost with the same seqs, and the job lists each event once", async () => {
    const { lease, job } = await leasedJob();
    const { sender, lines } = proxiedSender(lease);
    for (let step = 1; step <= 3; step++) sender.push({ type: "step", data: { step, loss: 1 / step } });
    loseNext = 1;
    await sender.flush();
    expect(sender.pending).toBe(0);
    expect(seen).toEqual([
      {
        seqs: [0, 1, 2],
        status: 201,
        answer: { object: "list", accepted: 3, stored: 3, duplicates: 0 },
        lost: true,
      },
      {
        seqs: [0, 1, 2],
        status: 201,
        answer: { object: "list", accepted: 3, stored: 0, duplicates: 3 },
        lost: false,
      },
    ]);
    expect(await stepsOf(job)).toEqual([1, 2, 3]);
    expect(lines).toEqual([]);
  });

  it("keeps a batch that failed all its tries for the next flush, which stores only what was missing", async () => {
    const { lease, job } = await leasedJob();
    const { sender, lines } = proxiedSender(lease, 2);
    sender.push({ type: "step", data: { step: 1, loss: 0.9 } });
    sender.push({ type: "step", data: { step: 2, loss: 0.8 } });
    loseNext = 2;
    await sender.flush();
    expect(sender.pending).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^could not send events 0\.\.1 \(2 tries; kept for the next batch\)/);

    sender.push({ type: "step", data: { step: 3, loss: 0.7 } });
    await sender.flush();
    expect(sender.pending).toBe(0);
    expect(seen.map(({ seqs, lost }) => ({ seqs, lost }))).toEqual([
      { seqs: [0, 1], lost: true },
      { seqs: [0, 1], lost: true },
      { seqs: [0, 1, 2], lost: false },
    ]);
    expect(seen.at(-1)?.answer).toMatchObject({ stored: 1, duplicates: 2 });
    expect(await stepsOf(job)).toEqual([1, 2, 3]);
  });

  it("drops a batch the API refuses (a lost lease) without retrying it", async () => {
    const { lease, job } = await leasedJob();
    await direct.cancelFineTuningJob(job);
    const { sender, lines } = proxiedSender(lease);
    sender.push({ type: "step", data: { step: 1, loss: 0.9 } });
    await sender.flush();
    expect(sender.pending).toBe(0);
    expect(seen.map((s) => s.status)).toEqual([409]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dropped events 0\.\.0, which the API refused or which cannot be sent: .*409/);
    expect(await stepsOf(job)).toEqual([]);
  });

  it("drops a batch that cannot be sent at all (not JSON) instead of holding up the events behind it", async () => {
    const { lease, job } = await leasedJob();
    const { sender, lines } = proxiedSender(lease);
    sender.push({ type: "step", data: { step: 1, loss: 10n } });
    await sender.flush();
    sender.push({ type: "step", data: { step: 2, loss: 0.8 } });
    await sender.flush();
    expect(sender.pending).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^dropped events 0\.\.0, which the API refused or which cannot be sent: .*BigInt/,
    );
    expect(seen.map((s) => s.seqs)).toEqual([[1]]);
    expect(await stepsOf(job)).toEqual([2]);
  });
});
