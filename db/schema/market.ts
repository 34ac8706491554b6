import { bigint, boolean, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { organizations } from "./auth";

/**
 * A buyer organization's standing bid for a model (DESIGN §4): the most it will pay per slot-second in
 * any hardware market of that model. Its recent usage enters the demand curve at this price level;
 * usage without a standing bid enters as "pays the spot price".
 */
export const standingBids = pgTable(
  "standing_bids",
  {
    organizationId: text("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    modelId: text("model_id").notNull(),
    bidNanosPerSecond: bigint("bid_nanos_per_second", { mode: "bigint" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.modelId] }), index("standing_bids_model_idx").on(t.modelId)],
);

/**
 * The latest clearing result per market (model × hardware class), one row each, upserted every tick.
 * Readers that need "the spot price now" (gateway, /v1/models, dashboard) read this small table, never
 * the history; `at` tells them how fresh it is.
 */
export const markets = pgTable(
  "markets",
  {
    modelId: text("model_id").notNull(),
    hardwareClass: text("hardware_class").notNull(),
    /** Null while the market has no live supply. */
    spotNanosPerSecond: bigint("spot_nanos_per_second", { mode: "bigint" }),
    lowestAskNanosPerSecond: bigint("lowest_ask_nanos_per_second", { mode: "bigint" }),
    /** Live slots whose ask ≤ spot: the capacity that serves at this price. */
    supplySlots: integer("supply_slots").notNull(),
    totalSupplySlots: integer("total_supply_slots").notNull(),
    /** Slot demand willing to pay the spot, in thousandths of a slot held continuously (= slot-ms per second). */
    demandMillislots: bigint("demand_millislots", { mode: "number" }).notNull(),
    totalDemandMillislots: bigint("total_demand_millislots", { mode: "number" }).notNull(),
    /** demand ÷ supply at spot, a fraction; above 1 means requests queue. */
    utilization: doublePrecision("utilization").notNull(),
    /** No price could cover demand that has no bid: the spot is rising toward its ceiling. */
    shortage: boolean("shortage").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.hardwareClass] })],
);

/**
 * Every tick's result per market: the price history. The primary key serves the per-market range
 * queries; `at` alone serves retention pruning (history is kept for a bounded window).
 */
export const marketTicks = pgTable(
  "market_ticks",
  {
    modelId: text("model_id").notNull(),
    hardwareClass: text("hardware_class").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    spotNanosPerSecond: bigint("spot_nanos_per_second", { mode: "bigint" }),
    supplySlots: integer("supply_slots").notNull(),
    totalSupplySlots: integer("total_supply_slots").notNull(),
    demandMillislots: bigint("demand_millislots", { mode: "number" }).notNull(),
    totalDemandMillislots: bigint("total_demand_millislots", { mode: "number" }).notNull(),
    utilization: doublePrecision("utilization").notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.hardwareClass, t.at] }), index("market_ticks_at_idx").on(t.at)],
);

/**
 * Single-leader leases for periodic work shared by several processes on one PostgreSQL database
 * (the clearing tick). The holder renews before `expires_at`; anyone may take an expired lease.
 * Expiry is judged by the database's clock so process clocks need not agree.
 */
export const leaderLeases = pgTable("leader_leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  acquiredAt: timestamp("acquired_at", { withTimezone: true }).notNull().defaultNow(),
});
