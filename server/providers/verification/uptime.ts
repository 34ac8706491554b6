import { sql, type SQL } from "drizzle-orm";
import { machines } from "../../../db/schema";
import { HEARTBEAT_STALE_AFTER_MS } from "../liveness";

/** Older behaviour fades: an outage counts half as much after this long. */
export const UPTIME_HALF_LIFE_MS = 4 * 3600 * 1000;

/**
 * Heartbeat uptime bookkeeping, applied in SQL on every heartbeat and registration (no extra round
 * trip): the gap since the previous heartbeat is observed time; the part of it before the machine
 * would count as stale (HEARTBEAT_STALE_AFTER_MS) is up time, the rest was an outage (the agent died
 * or lost the network without saying goodbye). Gaps after a graceful offline are not counted.
 * Both sums decay exponentially, so uptime = up ÷ observed is a recency-weighted fraction.
 * The SET expressions read the row's old values (PostgreSQL semantics), for UPDATE and ON CONFLICT alike.
 */
export function heartbeatUptimeSet(now: Date): { heartbeatUpMs: SQL; heartbeatObservedMs: SQL } {
  const dt = sql`greatest(0::float8, (extract(epoch from (${now.toISOString()}::timestamptz - ${machines.lastHeartbeatAt})) * 1000)::float8)`;
  const counted = sql`${machines.status} <> 'offline'`;
  const decay = sql`exp(-${dt} * ${Math.LN2 / UPTIME_HALF_LIFE_MS}::float8)`;
  return {
    heartbeatUpMs: sql`case when ${counted} then ${machines.heartbeatUpMs} * ${decay} + least(${dt}, ${HEARTBEAT_STALE_AFTER_MS}::float8) else ${machines.heartbeatUpMs} end`,
    heartbeatObservedMs: sql`case when ${counted} then ${machines.heartbeatObservedMs} * ${decay} + ${dt} else ${machines.heartbeatObservedMs} end`,
  };
}
