import { and, eq, gt, sql } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { leaderLeases } from "../db/schema";

/**
 * Single-leader leases for periodic work when several processes share one PostgreSQL database (DESIGN §2).
 * A lease row with an expiry rather than a session advisory lock: it needs no dedicated connection (pooled
 * connections and PgBouncer are fine), behaves the same on PGlite, and a dead leader's lease simply
 * lapses. Expiry is judged by the database's clock (`now()`), so process clocks need not agree.
 */
export type Lease = { name: string; holder: string; ttl_ms: number };

const expiry = (ttl_ms: number) => sql`now() + make_interval(secs => ${ttl_ms / 1000})`;

/** Takes the lease if it is free or expired, or renews it if `holder` has it. True when `holder` now leads. */
export async function acquireLease(q: Queryable, lease: Lease): Promise<boolean> {
  const rows = await q
    .insert(leaderLeases)
    .values({ name: lease.name, holder: lease.holder, expiresAt: expiry(lease.ttl_ms), acquiredAt: sql`now()` })
    .onConflictDoUpdate({
      target: leaderLeases.name,
      set: {
        holder: lease.holder,
        expiresAt: expiry(lease.ttl_ms),
        // A renewal keeps the original acquisition time; a takeover starts a new one.
        acquiredAt: sql`case when ${leaderLeases.holder} = ${lease.holder} then ${leaderLeases.acquiredAt} else now() end`,
      },
      setWhere: sql`${leaderLeases.holder} = ${lease.holder} or ${leaderLeases.expiresAt} <= now()`,
    })
    .returning({ holder: leaderLeases.holder });
  return rows.length === 1;
}

/**
 * Renews the lease only if `holder` still has it unexpired. Called inside the transaction that writes the
 * leader's results, it fences them: the row lock it takes makes a concurrent takeover wait for the
 * commit, and an expired leader's writes roll back instead of landing next to the new leader's.
 */
export async function renewLease(q: Queryable, lease: Lease): Promise<boolean> {
  const rows = await q
    .update(leaderLeases)
    .set({ expiresAt: expiry(lease.ttl_ms) })
    .where(and(eq(leaderLeases.name, lease.name), eq(leaderLeases.holder, lease.holder), gt(leaderLeases.expiresAt, sql`now()`)))
    .returning({ holder: leaderLeases.holder });
  return rows.length === 1;
}

/** Gives the lease up at once (graceful stop), so the next leader need not wait for it to expire. */
export async function releaseLease(q: Queryable, lease: Pick<Lease, "name" | "holder">): Promise<void> {
  await q.delete(leaderLeases).where(and(eq(leaderLeases.name, lease.name), eq(leaderLeases.holder, lease.holder)));
}

export async function currentLeaseHolder(q: Queryable, name: string): Promise<string | null> {
  const [row] = await q.select({ holder: leaderLeases.holder }).from(leaderLeases).where(and(eq(leaderLeases.name, name), gt(leaderLeases.expiresAt, sql`now()`)));
  return row?.holder ?? null;
}
