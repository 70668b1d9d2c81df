// How a runner sends a job's events to the API: numbered, batched, in order, and resent when an answer
// is lost. Each event gets its number under the lease (seq, 0, 1, 2, …) when it is queued, so a batch
// sent again carries the same numbers and the API stores each event once (migration 0008); a batch
// that still fails after its retries goes back in front of the queue and travels with the next one
// (the API skips the events it already has). An answer the API gave on purpose (4xx: a bad batch, a
// lost or cancelled lease), or a batch that cannot be sent at all, is final: that batch is dropped,
// with a log line. Written here because the
// retry belongs to the batch (its numbers), not to the HTTP request, so a generic retrying fetch
// would not do.
import { ApiError, type RunnerEvent } from "../../client/api-client.ts";

/** The API takes at most this many events a request (fine-tuning; compression leases take 100). */
export const MAX_BATCH = 500;

export interface EventSenderOptions {
  /** Sends one batch; resolves once the API stored it. */
  send: (events: RunnerEvent[]) => Promise<unknown>;
  /** Events a request at most (default MAX_BATCH). */
  maxBatch?: number;
  /** Tries of one batch before it waits for the next flush (default 4). */
  tries?: number;
  /** Wait before the first retry, doubled for each next (default 250 ms, at most 8 s). */
  retryMs?: number;
  log?: (line: string) => void;
}

/**
 * Whether an error may go away when the same batch is sent again: the API's 5xx or 429, a timeout, or
 * a failed fetch (undici's "fetch failed" carries the network error as its cause). Anything else, such
 * as a batch that cannot be serialized, would fail again and hold up every event behind it.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ApiError) return err.status >= 500 || err.status === 429;
  const name = (err as Error | undefined)?.name;
  if (name === "TimeoutError" || name === "AbortError") return true;
  return err instanceof TypeError && (err as { cause?: unknown }).cause !== undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class EventSender {
  #next = 0;
  #queue: RunnerEvent[] = [];
  #fresh = 0;
  #sending: Promise<void> = Promise.resolve();
  readonly #options: Required<Omit<EventSenderOptions, "log">> & { log: (line: string) => void };

  constructor(options: EventSenderOptions) {
    this.#options = {
      maxBatch: MAX_BATCH,
      tries: 4,
      retryMs: 250,
      log: () => {},
      ...options,
    };
  }

  /** Events queued and not yet stored (including those waiting to be resent). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Events queued since the last flush (those waiting to be resent aside). */
  get fresh(): number {
    return this.#fresh;
  }

  /** Queues an event under the next number; returns that number. */
  push(event: Omit<RunnerEvent, "seq">): number {
    const seq = this.#next++;
    this.#queue.push({ ...event, seq });
    this.#fresh++;
    return seq;
  }

  /** Sends everything queued so far, after the batches sent before; never rejects. */
  flush(): Promise<void> {
    this.#fresh = 0;
    this.#sending = this.#sending.then(() => this.#drain());
    return this.#sending;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#options.maxBatch);
      const outcome = await this.#sendWithRetries(batch);
      if (outcome === "transient") return; // left queued: the next flush sends it again
      this.#queue.splice(0, batch.length);
    }
  }

  async #sendWithRetries(batch: RunnerEvent[]): Promise<"sent" | "refused" | "transient"> {
    const { send, tries, retryMs, log } = this.#options;
    const range = `${batch[0]?.seq}..${batch.at(-1)?.seq}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await send(batch);
        return "sent";
      } catch (err) {
        const message = (err as Error).message;
        if (!isTransient(err)) {
          log(`dropped events ${range}, which the API refused or which cannot be sent: ${message}`);
          return "refused";
        }
        if (attempt >= tries) {
          log(`could not send events ${range} (${attempt} tries; kept for the next batch): ${message}`);
          return "transient";
        }
        await sleep(Math.min(8000, retryMs * 2 ** (attempt - 1)));
      }
    }
  }
}
