import { and, eq, inArray, ne } from "drizzle-orm";
import { machines, offers } from "../../db/schema";
import type { ServiceContext } from "../context";
import { marketKey } from "../market/market-key";
import { getSpotPrices } from "../market/spot-prices";
import { routingSpots } from "./liveness";

/**
 * The spot routing uses right now for each market of these models, read the way the gateway reads it:
 * the cleared price of a tick fresh within SPOT_MAX_AGE_MS (what SpotPriceCache serves), else the
 * market's quiet (depth) price over the live offers of every provider, judged by the router's own gate function.
 */
export async function readRoutingSpots(ctx: ServiceContext, input: { modelIds: string[]; now: Date }): Promise<(modelId: string, hardwareClass: string) => bigint | null> {
  if (input.modelIds.length === 0) return () => null;
  const [cleared, rows] = await Promise.all([
    getSpotPrices(ctx.db, input.now),
    // Coarse SQL prefilter only (fewer rows); liveness.ts decides which of them are live supply.
    ctx.db
      .select({
        modelId: offers.modelId,
        hardwareClass: offers.hardwareClass,
        ask_nanos_per_second: offers.askNanosPerSecond,
        slots: offers.slots,
        offerStatus: offers.status,
        verificationStatus: offers.verificationStatus,
        suspendedReason: offers.suspendedReason,
        machineStatus: machines.status,
        lastHeartbeatAt: machines.lastHeartbeatAt,
      })
      .from(offers)
      .innerJoin(machines, eq(machines.id, offers.machineId))
      .where(and(inArray(offers.modelId, [...new Set(input.modelIds)]), eq(offers.status, "live"), ne(machines.status, "offline"))),
  ]);
  return routingSpots(rows, (m, hw) => cleared.get(marketKey(m, hw)) ?? null, input.now);
}
