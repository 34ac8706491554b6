import { lt, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client";
import { marketTicks, markets } from "../../db/schema";
import type { ClearingResult } from "./clear";

export type ClearedMarket = { model_id: string; hardware_class: string; result: ClearingResult };

/**
 * The tick's results as one JSON parameter, unpacked by `jsonb_to_recordset`: one statement per table
 * whatever the number of markets (no 65,535-parameter limit, ~10× cheaper than a 1,000-row VALUES list
 * through the drivers). Prices travel as strings: JSON numbers are doubles.
 */
function asJson(cleared: readonly ClearedMarket[]): string {
  return JSON.stringify(
    cleared.map(({ model_id, hardware_class, result: r }) => ({
      model_id,
      hardware_class,
      spot: r.spot_nanos_per_second?.toString() ?? null,
      lowest_ask: r.lowest_ask_nanos_per_second?.toString() ?? null,
      supply: r.supply_slots,
      total_supply: r.total_supply_slots,
      demand: r.demand_millislots,
      total_demand: r.total_demand_millislots,
      utilization: Number.isFinite(r.utilization) ? r.utilization : 0,
      shortage: r.shortage,
    })),
  );
}

const RECORDSET = sql.raw(
  `t(model_id text, hardware_class text, spot bigint, lowest_ask bigint, supply int, total_supply int, demand bigint, total_demand bigint, utilization float8, shortage boolean)`,
);

/** Appends one tick to the history and moves each market's current row to it. Run inside the leader's transaction. */
export async function recordClearing(q: Queryable, at: Date, cleared: readonly ClearedMarket[]): Promise<void> {
  if (cleared.length === 0) return;
  const json = asJson(cleared);
  const when = at.toISOString();
  // A leader hand-over inside one millisecond could repeat a timestamp; the first write wins.
  await q.execute(sql`
    insert into ${marketTicks} (model_id, hardware_class, at, spot_nanos_per_second, supply_slots, total_supply_slots, demand_millislots, total_demand_millislots, utilization)
    select model_id, hardware_class, ${when}::timestamptz, spot, supply, total_supply, demand, total_demand, utilization
    from jsonb_to_recordset(${json}::jsonb) as ${RECORDSET}
    on conflict do nothing`);
  await q.execute(sql`
    insert into ${markets} (model_id, hardware_class, spot_nanos_per_second, lowest_ask_nanos_per_second, supply_slots, total_supply_slots, demand_millislots, total_demand_millislots, utilization, shortage, at)
    select model_id, hardware_class, spot, lowest_ask, supply, total_supply, demand, total_demand, utilization, shortage, ${when}::timestamptz
    from jsonb_to_recordset(${json}::jsonb) as ${RECORDSET}
    on conflict (model_id, hardware_class) do update set
      spot_nanos_per_second = excluded.spot_nanos_per_second,
      lowest_ask_nanos_per_second = excluded.lowest_ask_nanos_per_second,
      supply_slots = excluded.supply_slots,
      total_supply_slots = excluded.total_supply_slots,
      demand_millislots = excluded.demand_millislots,
      total_demand_millislots = excluded.total_demand_millislots,
      utilization = excluded.utilization,
      shortage = excluded.shortage,
      at = excluded.at`);
}

/** Drops history older than `before`; the history is a bounded window (the `at` index serves this). */
export async function pruneTicks(q: Queryable, before: Date): Promise<void> {
  await q.delete(marketTicks).where(lt(marketTicks.at, before));
}
