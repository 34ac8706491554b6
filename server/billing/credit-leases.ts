import { and, eq, sql } from "drizzle-orm";
import { newId } from "../../lib/ids";
import { formatUsd } from "../../lib/money";
import { creditLeases } from "../../db/schema";
import type { Queryable } from "../../db/client";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { getBuyerBalance } from "./balances";
import { isPastDue, notPastDue, pastDueError } from "./invoicing/billing-terms";

/** Smallest block a gateway leases at a time; bigger blocks mean fewer database round trips. */
export const MIN_LEASE_NANOS = 100_000_000n; // $0.10
/** Leases cover this many times the request that triggered them, so bursts stay in memory. */
const LEASE_MULTIPLE = 8n;
export const LEASE_TTL_MS = 2 * 60_000;

type OrgState = {
  /** What the database lease row holds for this instance. */
  lease_nanos: bigint;
  /** Holds of requests in flight here. */
  holds_nanos: bigint;
  /** Costs of finished requests not yet flushed to the ledger (still inside the lease). */
  pending_nanos: bigint;
  /** Serializes lease changes for the organization within this process. */
  chain: Promise<unknown>;
  adopted: boolean;
  /** When the database row lapses unless renewed; the fast path stops well before it. */
  expires_ms: number;
};

/** In-memory admission stops this long before the lease's database expiry (renewals may be failing). */
const EXPIRY_MARGIN_MS = 30_000;

export type LeaseHold = { organizationId: string; amount_nanos: bigint; released: boolean };

/**
 * Admission without a database round trip at steady state (DESIGN §6): each gateway instance
 * leases a block of a buyer's balance and admits requests against it in memory. Across instances
 * nothing can overspend, because every lease is held against the balance in the database like a
 * reservation; within the instance, holds and unflushed costs are subtracted from the lease.
 */
export class CreditLeases {
  private orgs = new Map<string, OrgState>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private ctx: ServiceContext,
    private instanceId: string,
  ) {}

  private state(organizationId: string): OrgState {
    let s = this.orgs.get(organizationId);
    if (!s) {
      s = { lease_nanos: 0n, holds_nanos: 0n, pending_nanos: 0n, chain: Promise.resolve(), adopted: false, expires_ms: 0 };
      this.orgs.set(organizationId, s);
    }
    return s;
  }

  /** Holds `amount_nanos` for one request; in memory when the lease covers it, else grows the lease. */
  async hold(organizationId: string, amount_nanos: bigint): Promise<LeaseHold> {
    const s = this.state(organizationId);
    const fresh = this.ctx.now().getTime() < s.expires_ms - EXPIRY_MARGIN_MS;
    if (s.adopted && fresh && s.lease_nanos - s.holds_nanos - s.pending_nanos >= amount_nanos) {
      s.holds_nanos += amount_nanos;
      return { organizationId, amount_nanos, released: false };
    }
    const grown = s.chain.then(() => this.grow(organizationId, s, amount_nanos));
    s.chain = grown.catch(() => {});
    await grown;
    s.holds_nanos += amount_nanos;
    return { organizationId, amount_nanos, released: false };
  }

  /** The request ended: its hold is released and its cost stays inside the lease until flushed. */
  complete(hold: LeaseHold, cost_nanos: bigint): void {
    if (hold.released) return;
    hold.released = true;
    const s = this.state(hold.organizationId);
    s.holds_nanos -= hold.amount_nanos;
    s.pending_nanos += cost_nanos;
  }

  /** Called after a settlement batch (or a dead letter) committed; inside it, `consumeInTx` shrank the lease rows. */
  settled(costs: Map<string, bigint>): void {
    for (const [org, cost] of costs) {
      const s = this.orgs.get(org);
      // Not adopted: costs replayed from a predecessor's log; adoption reads the row they already shrank.
      if (!s?.adopted) continue;
      s.pending_nanos = s.pending_nanos > cost ? s.pending_nanos - cost : 0n;
      s.lease_nanos = s.lease_nanos > cost ? s.lease_nanos - cost : 0n;
    }
  }

  /** Inside the settlement transaction: moves settled costs out of this instance's leases. */
  async consumeInTx(tx: Queryable, costs: Map<string, bigint>): Promise<void> {
    for (const [org, cost] of costs) {
      if (cost === 0n) continue;
      await tx
        .update(creditLeases)
        .set({ amountNanos: sql`greatest(0, ${creditLeases.amountNanos} - ${cost})` })
        .where(and(eq(creditLeases.organizationId, org), eq(creditLeases.instanceId, this.instanceId)));
    }
  }

  private async grow(organizationId: string, s: OrgState, amount_nanos: bigint): Promise<void> {
    const now = this.ctx.now();
    await this.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"reserve:" + organizationId}))`);
      const [row] = await tx.select().from(creditLeases).where(and(eq(creditLeases.organizationId, organizationId), eq(creditLeases.instanceId, this.instanceId)));
      if (!s.adopted) {
        // A restarted instance takes over its predecessor's lease; requests in flight then died with it.
        s.lease_nanos = row && row.expiresAt > now ? row.amountNanos : 0n;
        s.adopted = true;
      }
      const expiresAt = new Date(now.getTime() + LEASE_TTL_MS);
      const free_here = s.lease_nanos - s.holds_nanos - s.pending_nanos;
      const need = amount_nanos - free_here;
      if (need <= 0n) {
        // Only the expiry stopped the fast path: extend it, unless the organization's invoice is past due.
        if (await isPastDue(tx, organizationId)) throw pastDueError();
        await tx.update(creditLeases).set({ expiresAt, updatedAt: now }).where(and(eq(creditLeases.organizationId, organizationId), eq(creditLeases.instanceId, this.instanceId)));
        s.expires_ms = expiresAt.getTime();
        return;
      }
      // Every lease, ours included, already counts as held, so what is available is what we may add.
      const { available_nanos, past_due } = await getBuyerBalance(tx, organizationId, now);
      if (past_due) throw pastDueError();
      if (available_nanos < need) {
        const usable = available_nanos + (free_here > 0n ? free_here : 0n);
        throw new ServiceError(
          "insufficient_balance",
          `Your balance is exhausted: ${formatUsd(usable > 0n ? usable : 0n, 2)} available, this request may cost up to ${formatUsd(amount_nanos, 2)}. Add credit in the dashboard.`,
        );
      }
      let grant = amount_nanos * LEASE_MULTIPLE > MIN_LEASE_NANOS ? amount_nanos * LEASE_MULTIPLE : MIN_LEASE_NANOS;
      if (grant > available_nanos) grant = available_nanos;
      if (grant < need) grant = need;
      // Relative, never absolute: settlements shrink the row concurrently (consumeInTx) and must not be undone.
      await tx
        .insert(creditLeases)
        .values({ id: newId("creditLease"), organizationId, instanceId: this.instanceId, amountNanos: grant, expiresAt, updatedAt: now })
        .onConflictDoUpdate({
          target: [creditLeases.organizationId, creditLeases.instanceId],
          set: {
            amountNanos: sql`case when ${creditLeases.expiresAt} > ${now} then ${creditLeases.amountNanos} + ${grant} else ${grant} end`,
            expiresAt,
            updatedAt: now,
          },
        });
      s.lease_nanos += grant;
      s.expires_ms = expiresAt.getTime();
    });
  }

  /** Keeps live leases from lapsing and returns idle ones, so a buyer's balance is not held for nothing. */
  start(renew_every_ms = LEASE_TTL_MS / 4): void {
    this.timer ??= setInterval(() => void this.renew().catch(() => {}), renew_every_ms);
    this.timer.unref();
  }

  async renew(): Promise<void> {
    const now = this.ctx.now();
    for (const [org, s] of this.orgs) {
      await (s.chain = s.chain.then(async () => {
        if (!s.adopted) return;
        const where = and(eq(creditLeases.organizationId, org), eq(creditLeases.instanceId, this.instanceId));
        const expiresAt = new Date(now.getTime() + LEASE_TTL_MS);
        if (s.holds_nanos === 0n && s.pending_nanos === 0n) {
          // Idle: hand the lease back. Memory first (the safe direction), so a hold arriving meanwhile
          // takes the slow path, which queues behind this renewal on the chain.
          s.lease_nanos = 0n;
          s.expires_ms = 0;
          await this.ctx.db.update(creditLeases).set({ amountNanos: 0n, expiresAt, updatedAt: now }).where(where);
          return;
        }
        // Busy: only extend; the amount is changed relatively by growth and settlement alone. A past-due
        // organization's lease is not extended and the fast path stops: its next hold takes the slow path, which refuses it.
        const extended = await this.ctx.db.update(creditLeases).set({ expiresAt, updatedAt: now }).where(and(where, notPastDue(org))).returning({ id: creditLeases.id });
        s.expires_ms = extended.length > 0 ? expiresAt.getTime() : 0;
      }).catch(() => {}));
    }
  }

  /** Stops renewing and hands back idle leases (call after the settlement queue has flushed). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renew();
  }
}
