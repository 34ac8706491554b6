import { lt, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { marketTicks, markets } from "../../db/schema";
import type { ClearingResult } from "./clear";

export type ClearedMarket = { model_id: string; hardware_class: string; result: ClearingResult };

/** Rows per INSERT: ~11 parameters each stays far below PostgreSQL's 65,535-parameter limit. */
const CHUNK = 2_000;

const columns = (m: ClearedMarket) => ({
  modelId: m.model_id,
  hardwareClass: m.hardware_class,
  spotNanosPerSecond: m.result.spot_nanos_per_second,
  supplySlots: m.result.supply_slots,
  totalSupplySlots: m.result.total_supply_slots,
  demandMillislots: m.result.demand_millislots,
  totalDemandMillislots: m.result.total_demand_millislots,
  utilization: m.result.utilization,
});

/** Appends one tick to the history and moves each market's current row to it. Run inside the leader's transaction. */
export async function recordClearing(q: Queryable, at: Date, cleared: readonly ClearedMarket[]): Promise<void> {
  for (let i = 0; i < cleared.length; i += CHUNK) {
    const chunk = cleared.slice(i, i + CHUNK);
    // A leader hand-over inside one millisecond could repeat a timestamp; the first write wins.
    await q
      .insert(marketTicks)
      .values(chunk.map((m) => ({ ...columns(m), at })))
      .onConflictDoNothing();
    await q
      .insert(markets)
      .values(chunk.map((m) => ({ ...columns(m), lowestAskNanosPerSecond: m.result.lowest_ask_nanos_per_second, shortage: m.result.shortage, at })))
      .onConflictDoUpdate({
        target: [markets.modelId, markets.hardwareClass],
        set: {
          spotNanosPerSecond: sql`excluded.spot_nanos_per_second`,
          lowestAskNanosPerSecond: sql`excluded.lowest_ask_nanos_per_second`,
          supplySlots: sql`excluded.supply_slots`,
          totalSupplySlots: sql`excluded.total_supply_slots`,
          demandMillislots: sql`excluded.demand_millislots`,
          totalDemandMillislots: sql`excluded.total_demand_millislots`,
          utilization: sql`excluded.utilization`,
          shortage: sql`excluded.shortage`,
          at: sql`excluded.at`,
        },
      });
  }
}

/** Drops history older than `before`; the history is a bounded window (the `at` index serves this). */
export async function pruneTicks(q: Queryable, before: Date): Promise<void> {
  await q.delete(marketTicks).where(lt(marketTicks.at, before));
}
