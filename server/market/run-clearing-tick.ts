import type { Db, Queryable } from "../../db/client";
import { clearMarket, DEFAULT_CLEARING_SETTINGS, type ClearingSettings } from "./clear";
import { readMarketInputs } from "./read-market-inputs";
import { recordClearing, type ClearedMarket } from "./record-clearing";

export type ClearingTickConfig = {
  settings: ClearingSettings;
  /** Recent demand window: long enough to smooth bursts, short enough to follow a surge within a minute. */
  demand_window_ms: number;
  /** Count only verified offers as supply (DESIGN §4: "live, verified offers"; see readMarketInputs). */
  require_verified: boolean;
};

export const DEFAULT_TICK_CONFIG: ClearingTickConfig = { settings: DEFAULT_CLEARING_SETTINGS, demand_window_ms: 30_000, require_verified: true };

export type TickOutcome = {
  /** False when the fence said this process no longer leads: nothing was written. */
  recorded: boolean;
  cleared: ClearedMarket[];
  read_ms: number;
  clear_ms: number;
  write_ms: number;
};

/**
 * One clearing tick for every market: read books (live supply, standing bids × recent usage, previous
 * spot), run the pure engine, and record the results in one transaction. `fence` runs first inside that
 * transaction; if it returns false (leadership lost) nothing is written.
 */
export async function runClearingTick(db: Db, at: Date, config: ClearingTickConfig, fence?: (tx: Queryable) => Promise<boolean>): Promise<TickOutcome> {
  const t0 = performance.now();
  const books = await readMarketInputs(db, { now: at, demand_window_ms: config.demand_window_ms, require_verified: config.require_verified });
  const t1 = performance.now();
  const cleared: ClearedMarket[] = [];
  for (const b of books.values()) cleared.push({ model_id: b.model_id, hardware_class: b.hardware_class, result: clearMarket(b.input, config.settings) });
  const t2 = performance.now();
  const recorded = await db.transaction(async (tx) => {
    if (fence && !(await fence(tx))) return false;
    await recordClearing(tx, at, cleared);
    return true;
  });
  return { recorded, cleared, read_ms: t1 - t0, clear_ms: t2 - t1, write_ms: performance.now() - t2 };
}
