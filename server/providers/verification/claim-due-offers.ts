import { and, asc, eq, gte, inArray, isNotNull, lte } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { machines, offers } from "../../../db/schema";
import { HEARTBEAT_STALE_AFTER_MS } from "../liveness";

export type DueOffer = {
  offerId: string;
  machineId: string;
  modelId: string;
  endpointUrl: string;
  machineSecret: string;
  /** Slots claimed at registration: what a full-load probe runs at. */
  registeredSlots: number;
  /** Busy slots by the latest heartbeat: full-load probes wait for an idle offer (plan-canary.ts). */
  activeSlots: number;
  hardwareClass: string;
};

/**
 * Claims up to `limit` live offers whose next canary is due, by pushing their `next_canary_at` a
 * lease ahead (the canary's result sets the real next time). Rows are locked with SKIP LOCKED, so
 * several worker processes on one PostgreSQL database never canary the same offer twice; a worker
 * that dies mid-canary only delays that offer by the lease.
 * Live = offer live, machine online (not draining) with a fresh heartbeat.
 */
export async function claimDueOffers(db: Db, input: { now: Date; lease_ms: number; limit: number }): Promise<DueOffer[]> {
  const freshSince = new Date(input.now.getTime() - HEARTBEAT_STALE_AFTER_MS);
  const leaseUntil = new Date(input.now.getTime() + input.lease_ms);
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: offers.id })
      .from(offers)
      .innerJoin(machines, eq(machines.id, offers.machineId))
      .where(and(eq(offers.status, "live"), eq(machines.status, "online"), gte(machines.lastHeartbeatAt, freshSince), isNotNull(offers.nextCanaryAt), lte(offers.nextCanaryAt, input.now)))
      .orderBy(asc(offers.nextCanaryAt))
      .limit(input.limit)
      .for("update", { of: offers, skipLocked: true });
    if (due.length === 0) return [];
    const ids = due.map((d) => d.id);
    await tx.update(offers).set({ nextCanaryAt: leaseUntil }).where(inArray(offers.id, ids));
    return tx
      .select({ offerId: offers.id, machineId: machines.id, modelId: offers.modelId, endpointUrl: machines.endpointUrl, machineSecret: machines.secret, registeredSlots: offers.registeredSlots, activeSlots: offers.activeSlots, hardwareClass: offers.hardwareClass })
      .from(offers)
      .innerJoin(machines, eq(machines.id, offers.machineId))
      .where(inArray(offers.id, ids));
  });
}
