import { sql } from "drizzle-orm";
import type { Database } from "../db/client";

export const MARKETS = 1_000;
export const OFFERS_PER_MARKET = 100;
/** Buyers with usage in every market; 70% of (buyer, market) pairs hold a standing bid. */
export const BUYERS = 100;

/** Bulk rows with generate_series: 1 provider org, 100 buyer orgs, 100k machines+offers, 100k bids, 100k requests. */
export async function seedClearingBench(database: Database, now: Date): Promise<void> {
  const db = database.db;
  const fresh = new Date(now.getTime() - 1_000).toISOString();
  await db.execute(sql`insert into organizations (id, name, slug) values ('org_bench_provider', 'provider', 'bench-provider')`);
  await db.execute(sql`insert into agent_tokens (id, organization_id, name, token_prefix, token_hash) values ('agt_bench', 'org_bench_provider', 'bench', 'agt_bench', 'agt_bench_hash')`);
  await db.execute(sql`insert into organizations (id, name, slug) select 'org_bench_b' || g, 'buyer', 'bench-buyer-' || g from generate_series(1, ${BUYERS}) g`);
  await db.execute(sql`insert into api_keys (id, organization_id, name, key_prefix, key_hash) select 'key_bench_' || g, 'org_bench_b' || g, 'bench', 'key_bench_' || g, 'hash_' || g from generate_series(1, ${BUYERS}) g`);
  const n = MARKETS * OFFERS_PER_MARKET;
  // Offer g is in market (g % 1000); asks spread deterministically over 50k..250k nanos.
  await db.execute(sql`insert into machines (id, organization_id, agent_token_id, name, hardware_class, hardware, agent_version, endpoint_url, secret, status, last_heartbeat_at)
    select 'mach_bench_' || g, 'org_bench_provider', 'agt_bench', 'm' || g, 'nvidia-h100', '{}'::jsonb, 'bench', 'http://127.0.0.1:9', 's', 'online', ${fresh}::timestamptz from generate_series(1, ${n}) g`);
  await db.execute(sql`insert into offers (id, machine_id, organization_id, model_id, hardware_class, slots, ask_nanos_per_second, engine, engine_version, context_size,
      claimed_decode_tokens_per_second, claimed_prefill_tokens_per_second, claimed_ttft_ms, status, verification_status)
    select 'off_bench_' || g, 'mach_bench_' || g, 'org_bench_provider', 'model-' || (g % ${MARKETS}), 'nvidia-h100', 1 + (g * 7) % 8, 50000 + (g * 7919) % 200000,
      'bench', '1', 4096, 100, 1000, 10, 'live', 'verified' from generate_series(1, ${n}) g`);
  await db.execute(sql`insert into standing_bids (organization_id, model_id, bid_nanos_per_second)
    select 'org_bench_b' || b, 'model-' || m, 50000 + ((b * 1009 + m * 31) % 300000) from generate_series(1, ${BUYERS}) b, generate_series(0, ${MARKETS - 1}) m where (b + m) % 10 >= 3`);
  await db.execute(sql`insert into requests (id, organization_id, api_key_id, offer_id, machine_id, provider_organization_id, model_id, hardware_class, endpoint, stream, status,
      price_nanos_per_second, compute_ms, prompt_tokens, completion_tokens, cost_nanos, provider_earnings_nanos, platform_fee_nanos, dispatched_at, completed_at)
    select 'req_bench_' || b || '_' || m, 'org_bench_b' || b, 'key_bench_' || b, 'off_bench_1', 'mach_bench_1', 'org_bench_provider', 'model-' || m, 'nvidia-h100', 'chat.completions', false, 'completed',
      100000, 500 + (b * m) % 4000, 10, 10, 0, 0, 0, ${now.toISOString()}::timestamptz - interval '20 seconds', ${now.toISOString()}::timestamptz - interval '10 seconds'
    from generate_series(1, ${BUYERS}) b, generate_series(0, ${MARKETS - 1}) m`);
  await db.execute(sql`analyze`);
}

