import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { sql } from "drizzle-orm";
import { join } from "node:path";
import type { ServiceContext } from "../context";
import type { CreditLeases } from "./credit-leases";
import { settleBatch } from "./settle-batch";
import { recordDeadLetter } from "./dead-letters";
import { decodeOutcomeLine, encodeOutcomeLine, outcomeToJson } from "./outcome-codec";
import { priceOutcome, type RequestOutcome } from "./request-outcome";


/**
 * Settlement off the hot path, durably. `enqueue` appends the outcome to a write-ahead log segment
 * with a synchronous write (it survives `kill -9` of the process: the bytes are in the kernel's page
 * cache) and returns the price at once; a flusher settles batches in one transaction each and then
 * deletes the segment. At start, leftover segments are replayed; settlement is idempotent per
 * request id, so a segment settled just before a crash is never counted twice.
 */
export class SettlementQueue {
  private current: RequestOutcome[] = [];
  private fd: number | null = null;
  private segment: string | null = null;
  private seq = 0;
  /** Closed segments not yet settled, oldest first; a failed flush leaves them here to retry. */
  private sealed = new Map<string, RequestOutcome[]>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private ctx: ServiceContext,
    private opts: { walDir: string; instanceId: string; flush_interval_ms?: number; max_batch?: number; onError?: (err: Error) => void; leases?: CreditLeases; onFlushed?: (batch: { batch_size: number; duration_s: number; ok: boolean }) => void },
  ) {
    mkdirSync(opts.walDir, { recursive: true });
  }

  /** Replays segments a previous process left behind. Call before serving. */
  async recover(): Promise<number> {
    let recovered = 0;
    for (const name of readdirSync(this.opts.walDir).filter((n) => n.endsWith(".wal")).sort()) {
      const path = join(this.opts.walDir, name);
      if (path === this.segment || this.sealed.has(path)) continue;
      const outcomes: RequestOutcome[] = [];
      for (const line of readFileSync(path, "utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          outcomes.push(decodeOutcomeLine(line));
        } catch {
          // A torn last line from a crash mid-write: that response was never completed either.
        }
      }
      this.sealed.set(path, outcomes);
      recovered += outcomes.length;
    }
    await this.flush();
    return recovered;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush().catch((err) => this.opts.onError?.(err as Error)), this.opts.flush_interval_ms ?? 25);
    this.timer.unref();
  }

  /** Outcomes enqueued but not yet in the ledger. */
  get depth(): number {
    let n = this.current.length;
    for (const batch of this.sealed.values()) n += batch.length;
    return n;
  }

  /** Durable once this returns; the ledger catches up within a flush interval. */
  enqueue(outcome: RequestOutcome): ReturnType<typeof priceOutcome> {
    if (this.fd === null) {
      this.segment = join(this.opts.walDir, `${Date.now().toString().padStart(15, "0")}-${process.pid}-${(this.seq++).toString().padStart(6, "0")}.wal`);
      this.fd = openSync(this.segment, "a");
    }
    writeSync(this.fd, encodeOutcomeLine(outcome));
    this.current.push(outcome);
    return priceOutcome(outcome, this.ctx.platform_fee_bps);
  }

  /** Settles everything enqueued so far (the timer, tests and shutdown call this). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.fd !== null) {
      closeSync(this.fd);
      this.sealed.set(this.segment!, this.current);
      this.fd = null;
      this.segment = null;
      this.current = [];
    }
    if (this.sealed.size === 0) return;
    this.flushing = (async () => {
      const size = this.opts.max_batch ?? 500;
      for (const [path, outcomes] of this.sealed) {
        for (let i = 0; i < outcomes.length; i += size) await this.settleChunk(outcomes.slice(i, i + size));
        unlinkSync(path);
        this.sealed.delete(path);
      }
    })().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async settleChunk(chunk: RequestOutcome[]): Promise<void> {
    const started = performance.now();
    const flushed = (ok: boolean) => this.opts.onFlushed?.({ batch_size: chunk.length, duration_s: (performance.now() - started) / 1000, ok });
    try {
      const { leaseCosts } = await settleBatch(this.ctx, chunk, this.opts.leases);
      this.opts.leases?.settled(leaseCosts);
      flushed(true);
    } catch (batchErr) {
      flushed(false);
      void batchErr;
      // One bad outcome (e.g. its organization was deleted meanwhile) must not block every other settlement.
      for (const outcome of chunk) await this.settleAlone(outcome);
    }
  }

  /** Settles one outcome, retrying a few times (a deadlock or serialization failure passes); then sets it aside. */
  private async settleAlone(outcome: RequestOutcome): Promise<void> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const { leaseCosts } = await settleBatch(this.ctx, [outcome], this.opts.leases);
        this.opts.leases?.settled(leaseCosts);
        return;
      } catch (err) {
        lastErr = err;
        if (!(await this.databaseUp())) throw err;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
    await this.setAside(outcome, (lastErr as Error).message);
  }

  /**
   * A poison outcome is never "free": its cost moves from this instance's lease (or the request's
   * reservation) into a dead letter, which keeps holding it against the buyer's balance until an operator
   * replays it (server/billing/dead-letters.ts). Only if even that write fails does it go to a local file.
   */
  private async setAside(outcome: RequestOutcome, error: string): Promise<void> {
    try {
      const { leaseCosts } = await recordDeadLetter(this.ctx, { outcome, instanceId: this.opts.instanceId, error }, this.opts.leases);
      this.opts.leases?.settled(leaseCosts);
      this.opts.onError?.(new Error(`settlement of ${outcome.requestId} failed permanently; its cost stays held in settlement_dead_letters until replayed: ${error}`));
    } catch (err) {
      appendFileSync(join(this.opts.walDir, "dead-letter.jsonl"), JSON.stringify({ error, outcome: outcomeToJson(outcome) }) + "\n");
      this.opts.onError?.(new Error(`settlement of ${outcome.requestId} failed permanently and could not be recorded (${(err as Error).message}); set aside in dead-letter.jsonl`));
    }
  }

  /** Distinguishes a poison outcome (database fine, this row refused) from an outage (retry later). */
  private async databaseUp(): Promise<boolean> {
    try {
      await this.ctx.db.execute(sql`select 1`);
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
