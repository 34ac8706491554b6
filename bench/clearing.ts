/**
 * `npm run bench:clearing`: what one clearing tick costs at 1,000 markets, 100,000 offers and 100,000
 * bids, measured in one run on this machine.
 *
 *   engine   the pure engine (server/market/clear.ts) over all markets, with the book in the order the
 *            tick reads it (sorted by price in SQL) and shuffled (worst case: every market sorts)
 *   database the tick's read (live supply aggregated per price, standing bids × recent usage, previous
 *            spots) and write (1,000 history rows + 1,000 current-market upserts), on PGlite and, when
 *            reachable, PostgreSQL (TEST_POSTGRES_URL, default the local server), each with 100,000
 *            offers, 100,000 standing bids and 100,000 requests inside the demand window
 *
 * Prints ms per tick (median and p95) and the share of one core a tick every second costs.
 * Options: --engine-only (skip the database part), --iterations N (engine; default 40).
 */
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { clearMarket, DEFAULT_CLEARING_SETTINGS, type MarketInput } from "../server/market/clear";
import { readMarketInputs } from "../server/market/read-market-inputs";
import { recordClearing, type ClearedMarket } from "../server/market/record-clearing";
import { DEFAULT_TICK_CONFIG } from "../server/market/run-clearing-tick";
import { seededRandom } from "../server/market/simulation";
import { createTestDatabase, type DbKind } from "../test/database";

const MARKETS = 1_000;
const OFFERS_PER_MARKET = 100;
const BUYERS = 100; // one standing bid per buyer per market → 100,000 bids
const { values } = parseArgs({ options: { "engine-only": { type: "boolean", default: false }, iterations: { type: "string", default: "40" } } });

type Stats = { median: number; p95: number; min: number };
function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!, min: s[0]! };
}
const line = (label: string, st: Stats) =>
  `  ${label.padEnd(44)} median ${st.median.toFixed(1).padStart(7)} ms   p95 ${st.p95.toFixed(1).padStart(7)} ms   = ${((st.median / 1000) * 100).toFixed(1).padStart(5)}% of one core at 1 tick/s`;

async function time(n: number, f: () => unknown | Promise<unknown>): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

/** 1,000 books: 100 asks around $0.0001/s and 100 bid levels (70% with a bid, 30% "pays spot"). */
function syntheticBooks(sorted: boolean): MarketInput[] {
  const random = seededRandom(2026);
  const books: MarketInput[] = [];
  for (let m = 0; m < MARKETS; m++) {
    const asks = Array.from({ length: OFFERS_PER_MARKET }, () => ({ ask_nanos_per_second: BigInt(50_000 + Math.floor(random() * 200_000)), slots: 1 + Math.floor(random() * 8), live: true }));
    const demand = Array.from({ length: BUYERS }, () => ({ bid_nanos_per_second: random() < 0.3 ? null : BigInt(50_000 + Math.floor(random() * 300_000)), demand_millislots: Math.floor(random() * 5_000) }));
    if (sorted) {
      asks.sort((a, b) => (a.ask_nanos_per_second < b.ask_nanos_per_second ? -1 : a.ask_nanos_per_second > b.ask_nanos_per_second ? 1 : 0));
      // SQL's ascending order puts "no bid" (NULL) last.
      const key = (b: bigint | null) => (b === null ? Number.MAX_SAFE_INTEGER : Number(b));
      demand.sort((a, b) => key(a.bid_nanos_per_second) - key(b.bid_nanos_per_second));
    }
    books.push({ asks, demand, previous_spot_nanos_per_second: 120_000n });
  }
  return books;
}

async function benchEngine(iterations: number): Promise<Stats> {
  console.log(`Engine: ${MARKETS} markets × ${OFFERS_PER_MARKET} offers × ${BUYERS} bid levels (${MARKETS * OFFERS_PER_MARKET} offers, ${MARKETS * BUYERS} bids)`);
  let result: Stats | null = null;
  for (const sorted of [true, false]) {
    const books = syntheticBooks(sorted);
    const tick = () => {
      for (const b of books) clearMarket(b, DEFAULT_CLEARING_SETTINGS);
    };
    await time(5, tick); // warm up the JIT
    const st = await time(iterations, tick);
    console.log(line(sorted ? "clear all markets (book sorted, as read)" : "clear all markets (book shuffled)", st));
    result ??= st;
  }
  return result!;
}

/** Bulk rows with generate_series: 1 provider org, 100 buyer orgs, 100k machines+offers, 100k bids, 100k requests. */
async function seed(database: Database, now: Date): Promise<void> {
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

async function benchDatabase(kind: DbKind): Promise<void> {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  try {
    database = await createTestDatabase(kind);
  } catch (err) {
    console.log(`  ${kind}: skipped (${(err as Error).message})`);
    return;
  }
  try {
    const now = new Date();
    const t = performance.now();
    await seed(database, now);
    console.log(`Database (${kind}): seeded ${MARKETS * OFFERS_PER_MARKET} offers, ~${(MARKETS * BUYERS * 0.7) / 1000}k standing bids, ${MARKETS * BUYERS} requests in the window in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const opts = { now, demand_window_ms: DEFAULT_TICK_CONFIG.demand_window_ms, require_verified: true };
    const books = await readMarketInputs(database.db, opts);
    if (books.size !== MARKETS) throw new Error(`expected ${MARKETS} markets, read ${books.size}`);
    const read = await time(kind === "pglite" ? 5 : 10, () => readMarketInputs(database.db, opts));
    console.log(line("read books (supply, bids × usage, previous)", read));
    const cleared: ClearedMarket[] = [...books.values()].map((b) => ({ model_id: b.model_id, hardware_class: b.hardware_class, result: clearMarket(b.input, DEFAULT_CLEARING_SETTINGS) }));
    const clear = await time(10, () => [...books.values()].map((b) => clearMarket(b.input, DEFAULT_CLEARING_SETTINGS)));
    console.log(line("clear (engine on the books as read)", clear));
    let at = now.getTime();
    const write = await time(10, () => database.db.transaction((tx) => recordClearing(tx, new Date((at += 1_000)), cleared)));
    console.log(line("write (1,000 history rows + 1,000 upserts)", write));
    console.log(line("whole tick (read + clear + write)", { median: read.median + clear.median + write.median, p95: read.p95 + clear.p95 + write.p95, min: 0 }));
  } finally {
    await database.close();
  }
}

const engine = await benchEngine(Number(values.iterations));
console.log(`Target: the pure engine part < 50 ms per tick → ${engine.median < 50 ? "met" : "NOT met"} (${engine.median.toFixed(1)} ms)`);
if (!values["engine-only"]) {
  for (const kind of ["pglite", "postgres"] as const) await benchDatabase(kind);
}
