import { and, eq, sql } from "drizzle-orm";
import type { HeartbeatRequest } from "../../lib/wire/agent";
import { machines, offers } from "../../db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { heartbeatUptimeSet } from "./verification/uptime";

/**
 * Marks the machine alive (or draining) and records each offer's slot load. A heartbeat may lower an
 * offer's slots (an engine restarted smaller, slots taken for local use), never raise them above what
 * was registered: routing would send more concurrent traffic than canaries measured it at.
 */
export async function recordHeartbeat(ctx: ServiceContext, input: { organizationId: string; heartbeat: HeartbeatRequest; agentTokenId?: string }): Promise<void> {
  const now = ctx.now();
  const { heartbeat } = input;
  await ctx.db.transaction(async (tx) => {
    const updated = await tx
      .update(machines)
      .set({ lastHeartbeatAt: now, status: heartbeat.draining ? "draining" : "online", ...heartbeatUptimeSet(now) })
      // Only the token that registered the machine keeps it alive: a revoked token's machine stays offline
      // even if another token of the organization heartbeats for it (it must register again).
      .where(and(eq(machines.id, heartbeat.machine_id), eq(machines.organizationId, input.organizationId), input.agentTokenId ? eq(machines.agentTokenId, input.agentTokenId) : undefined))
      .returning({ id: machines.id });
    if (updated.length === 0) throw new ServiceError("not_found", `Machine ${heartbeat.machine_id} is not registered to this organization; register again.`);
    for (const o of heartbeat.offers) {
      await tx
        .update(offers)
        .set({
          slots: sql`least(${o.slots}::int, ${offers.registeredSlots})`,
          activeSlots: sql`least(${o.active_slots}::int, ${o.slots}::int, ${offers.registeredSlots})`,
          updatedAt: now,
        })
        .where(and(eq(offers.id, o.offer_id), eq(offers.machineId, heartbeat.machine_id)));
    }
  });
}

/** The agent is shutting down: take the machine out of routing at once. */
export async function markMachineOffline(ctx: ServiceContext, input: { organizationId: string; machineId: string }): Promise<void> {
  await ctx.db
    .update(machines)
    .set({ status: "offline" })
    .where(and(eq(machines.id, input.machineId), eq(machines.organizationId, input.organizationId)));
}
