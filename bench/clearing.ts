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
import { clearMarket, DEFAULT_CLEARING_SETTINGS, type MarketInput } from "../server/market/clear";
import { readMarketInputs } from "../server/market/read-market-inputs";
import { recordClearing, type ClearedMarket } from "../server/market/record-clearing";
import { DEFAULT_TICK_CONFIG } from "../server/market/run-clearing-tick";
import { seededRandom } from "../server/market/simulation";
import { createTestDatabase, type DbKind } from "../test/database";
import { BUYERS, MARKETS, OFFERS_PER_MARKET, seedClearingBench } from "./clearing-seed";

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
    await seedClearingBench(database, now);
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
