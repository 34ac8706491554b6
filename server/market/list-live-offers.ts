import { and, asc, eq, gte } from "drizzle-orm";
import { machines, offers } from "../../db/schema";
import type { ServiceContext } from "../context";
import { HEARTBEAT_STALE_AFTER_MS } from "../providers/liveness";

export type MarketOffer = { offer_id: string; hardware_class: string; ask_nanos_per_second: bigint; slots: number; active_slots: number };
export type ModelMarket = { model_id: string; lowest_ask_nanos_per_second: bigint; slots: number; active_slots: number; offers: MarketOffer[] };

/**
 * Live supply per model: offers that are live on machines that are online with a fresh heartbeat
 * (the same staleness rule as offerGateReasons). A full offer is still listed: it is supply, just busy.
 * Provider identities stay out; buyers see hardware and prices.
 */
export async function listLiveOffers(ctx: ServiceContext): Promise<ModelMarket[]> {
  const freshSince = new Date(ctx.now().getTime() - HEARTBEAT_STALE_AFTER_MS);
  const rows = await ctx.db
    .select({ offer_id: offers.id, model_id: offers.modelId, hardware_class: offers.hardwareClass, ask_nanos_per_second: offers.askNanosPerSecond, slots: offers.slots, active_slots: offers.activeSlots })
    .from(offers)
    .innerJoin(machines, eq(machines.id, offers.machineId))
    .where(and(eq(offers.status, "live"), eq(offers.verificationStatus, "verified"), eq(machines.status, "online"), gte(machines.lastHeartbeatAt, freshSince)))
    .orderBy(asc(offers.modelId), asc(offers.askNanosPerSecond), asc(offers.id));
  const byModel = new Map<string, ModelMarket>();
  for (const { model_id, ...offer } of rows) {
    let market = byModel.get(model_id);
    if (!market) {
      market = { model_id, lowest_ask_nanos_per_second: offer.ask_nanos_per_second, slots: 0, active_slots: 0, offers: [] };
      byModel.set(model_id, market);
    }
    // Rows arrive sorted by ask, so the first offer seen per model holds the lowest ask.
    market.slots += offer.slots;
    market.active_slots += offer.active_slots;
    market.offers.push(offer);
  }
  return [...byModel.values()];
}
