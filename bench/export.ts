/**
 * `npm run bench:export`: how fast a finance export streams and whether its memory stays flat, measured in one run
 * on this machine, on PGlite (a file-backed data dir, as the embedded default runs) and PostgreSQL
 * (TEST_POSTGRES_URL, default the local server; a throwaway database, dropped after).
 *
 * Seeds one calendar month (the previous UTC month) of N settled requests with SQL generate_series: 500 buyer
 * organizations with 2,000 keys, 50 provider organizations with 400 machines, 30 models × 4 hardware classes;
 * ~97% completed, 2% failed (nothing billed, so an entry without lines), 1% aborted. Every request gets the
 * settlement journal entry and ledger lines settleBatch would post (buyer debit = provider credit + 10% fee).
 *
 * Then, per export (usage over every organization, usage of one buyer organization, journal):
 *   floor   the export's own rows (its definition's cursor query, `cursorRows`, one snapshot) counted, no CSV
 *   export  `runExport` into a sink that only counts bytes (no buffering), exactly what the download streams
 * sampling process.memoryUsage() every 20 ms. Prints rows/s, MB/s, peak RSS and its growth over the baseline taken
 * just before (the PGlite database lives in this process, so its pages count too), the peak in the first and the
 * second half of the run (flat memory: the second is no higher), and export time / floor time.
 *
 * Options: --rows N (default 1,000,000), --db pglite|postgres|both (default both), --skip-journal, --explain (print
 * each export's plan as its cursor gets it, and the plain query's EXPLAIN ANALYZE).
 * Node's --expose-gc (NODE_OPTIONS) makes the baselines steadier.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "../db/client";
import type { ExportKind } from "../lib/export-catalog";
import type { ExportFilter } from "../server/finance/exports/export-definition";
import { EXPORTS } from "../server/finance/exports/kinds";
import { journalQuery } from "../server/finance/exports/kinds/journal";
import { usageQuery } from "../server/finance/exports/kinds/usage";
import { runExport } from "../server/finance/exports/run-export";
import { inSnapshot } from "../server/finance/exports/snapshot-cursor";
import type { Period } from "../server/finance/period";
import { createTestDatabase, type DbKind } from "../test/database";

const { values } = parseArgs({ options: { rows: { type: "string", default: "1000000" }, db: { type: "string", default: "both" }, "skip-journal": { type: "boolean", default: false }, explain: { type: "boolean", default: false } } });
const ROWS = Number(values.rows.replace(/[_,]/g, ""));
if (!Number.isInteger(ROWS) || ROWS < 1) throw new Error(`--rows wants a positive integer, got ${values.rows}`);
const KINDS: DbKind[] = values.db === "both" ? ["pglite", "postgres"] : [values.db as DbKind];

const BUYER_ORGS = 500;
const KEYS = 2_000;
const PROVIDER_ORGS = 50;
const MACHINES = 400;
const MODELS = 30;
const HARDWARE = ["nvidia-h100", "nvidia-a100", "nvidia-l40s", "nvidia-rtx4090"];
const FEE_BPS = 1_000;
/** Rows per INSERT … SELECT: large enough to be bulk, small enough that PGlite's transition tables stay modest. */
const SEED_CHUNK = 100_000;
const SAMPLE_MS = 20;

/** An integer constant inlined into SQL (bind parameters of unknown type leave generate_series and % ambiguous). */
const lit = (n: number) => sql.raw(String(Math.trunc(n)));
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => bytes / 1_000_000;

function previousMonth(now: Date): Period {
  return { start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)), end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) };
}

// ---------------------------------------------------------------------------------------------
// Seed

async function seed(database: Database, period: Period, n: number): Promise<{ lines: number; seconds: number }> {
  const db = database.db;
  const t = performance.now();
  const month_ms = period.end.getTime() - period.start.getTime();
  const hardware = sql.raw(`array[${HARDWARE.map((h) => `'${h}'`).join(",")}]`);
  await db.execute(sql`insert into organizations (id, name, slug) select 'org_bench_b' || g, 'Buyer ' || g || case when g % 50 = 0 then ', Inc.' else '' end, 'bench-buyer-' || g from generate_series(1, ${lit(BUYER_ORGS)}) g`);
  await db.execute(sql`insert into organizations (id, name, slug) select 'org_bench_p' || g, 'Provider ' || g, 'bench-provider-' || g from generate_series(1, ${lit(PROVIDER_ORGS)}) g`);
  await db.execute(sql`insert into api_keys (id, organization_id, name, key_prefix, key_hash)
    select 'key_bench_' || lpad(k::text, 22, '0'), 'org_bench_b' || ((k - 1) % ${lit(BUYER_ORGS)} + 1), (array['production', 'staging', 'batch jobs', 'notebook'])[(k - 1) / ${lit(BUYER_ORGS)} % 4 + 1], 'sk-spot-' || k, 'hash_' || k
    from generate_series(1, ${lit(KEYS)}) k`);
  await db.execute(sql`insert into agent_tokens (id, organization_id, name, token_prefix, token_hash)
    select 'agt_bench_' || g, 'org_bench_p' || g, 'rack', 'agt_bench_' || g, 'agt_hash_' || g from generate_series(1, ${lit(PROVIDER_ORGS)}) g`);
  await db.execute(sql`insert into machines (id, organization_id, agent_token_id, name, hardware_class, hardware, agent_version, endpoint_url, secret, status, last_heartbeat_at)
    select 'mach_bench_' || lpad(m::text, 21, '0'), 'org_bench_p' || ((m - 1) % ${lit(PROVIDER_ORGS)} + 1), 'agt_bench_' || ((m - 1) % ${lit(PROVIDER_ORGS)} + 1), 'box-' || m,
      (${hardware})[(m - 1) % ${lit(HARDWARE.length)} + 1], '{}'::jsonb, 'bench', 'http://127.0.0.1:9', 's', 'online', now()
    from generate_series(1, ${lit(MACHINES)}) m`);
  // Request g: one per (month / n) ms, so the month fills evenly; keys, machines and models spread by coprime strides.
  const start = period.start.toISOString();
  for (let from = 1; from <= n; from += SEED_CHUNK) {
    const to = Math.min(n, from + SEED_CHUNK - 1);
    await db.execute(sql`insert into requests (id, organization_id, api_key_id, offer_id, machine_id, provider_organization_id, model_id, hardware_class, endpoint, stream, status, error_code,
        price_nanos_per_second, compute_ms, billed_ms, ttft_ms, prompt_tokens, completion_tokens, cost_nanos, provider_earnings_nanos, platform_fee_nanos, dispatched_at, completed_at)
      select 'req_' || lpad(g::text, 26, '0'), 'org_bench_b' || ((k - 1) % ${lit(BUYER_ORGS)} + 1), 'key_bench_' || lpad(k::text, 22, '0'),
        'off_bench_' || m || '_' || model, 'mach_bench_' || lpad(m::text, 21, '0'), 'org_bench_p' || ((m - 1) % ${lit(PROVIDER_ORGS)} + 1),
        'bench-model-' || model || ':q4', (${hardware})[((m - 1) % ${lit(HARDWARE.length)} + 1)::int], case when g % 10 = 0 then 'completions' else 'chat.completions' end, g % 3 = 0,
        status, case when status = 'failed' then 'upstream_error' end,
        price, compute_ms, billed_ms, case when status = 'failed' then null else 40 + g % 400 end, 10 + g % 2000, case when status = 'failed' then 0 else 1 + g % 500 end,
        price * billed_ms / 1000, price * billed_ms / 1000 - price * billed_ms / 1000 * ${lit(FEE_BPS)} / 10000, price * billed_ms / 1000 * ${lit(FEE_BPS)} / 10000,
        done - compute_ms * interval '1 millisecond', done
      from (
        select g, k, m, model, price, compute_ms, status, done,
          case status when 'failed' then 0 when 'aborted' then compute_ms / 2 else compute_ms end as billed_ms
        from (
          select g, (g * 7919) % ${lit(KEYS)} + 1 as k, (g * 104729) % ${lit(MACHINES)} + 1 as m, (g * 31) % ${lit(MODELS)} as model,
            (50000 + (g * 13) % 200000)::bigint as price, 200 + (g * 7907) % 20000 as compute_ms,
            case when g % 100 < 2 then 'failed' when g % 100 = 2 then 'aborted' else 'completed' end as status,
            ${start}::timestamptz + ((g - 1) * ${sql.raw(String(month_ms / n))}::float8) * interval '1 millisecond' as done
          from generate_series(${lit(from)}::bigint, ${lit(to)}::bigint) g
        ) a
      ) b`);
    const ids = sql`r.id between ${`req_${String(from).padStart(26, "0")}`} and ${`req_${String(to).padStart(26, "0")}`}`;
    await db.execute(sql`insert into journal_entries (id, kind, idempotency_key, request_id, created_at)
      select 'je_' || substr(r.id, 5), 'request_settlement', 'settle:' || r.id, r.id, r.completed_at from requests r where ${ids}`);
    // What settleBatch posts: buyer −cost, provider +earnings, platform +fee, zero lines left out.
    await db.execute(sql`insert into ledger_lines (id, journal_entry_id, account, organization_id, amount_nanos, created_at)
      select 'll_' || lpad((substr(r.id, 5)::bigint * 3 + l.i)::text, 26, '0'), 'je_' || substr(r.id, 5), l.account,
        case l.i when 0 then r.organization_id when 1 then r.provider_organization_id end,
        case l.i when 0 then -r.cost_nanos when 1 then r.provider_earnings_nanos else r.platform_fee_nanos end, r.completed_at
      from requests r cross join (values (0, 'buyer_balance'), (1, 'provider_earnings'), (2, 'platform_revenue')) as l(i, account)
      where ${ids}
        and case l.i when 0 then r.cost_nanos when 1 then r.provider_earnings_nanos else r.platform_fee_nanos end <> 0`);
    process.stdout.write(`\r  seeding ${database.kind}: ${fmt(to)} / ${fmt(n)} requests`);
  }
  process.stdout.write("\n");
  await db.execute(sql`vacuum analyze`);
  // Both drivers answer `execute` with `{ rows }` (as cursorRows reads them).
  const counted = (await db.execute(sql`select count(*)::int as lines from ledger_lines`)) as { rows: { lines: number }[] };
  return { lines: counted.rows[0]!.lines, seconds: (performance.now() - t) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Measure

type Sample = { at: number; rss: number; heap: number };
type Run = { rows: number; bytes: number; seconds: number; baseline_rss: number; peak_rss: number; peak_heap: number; first_half_peak_rss: number; second_half_peak_rss: number; samples: number };

/** Runs `work` while sampling memory every SAMPLE_MS; the baseline is taken (after a GC when exposed) just before. */
async function measured(work: () => Promise<{ rows: number; bytes: number }>): Promise<Run> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline_rss = process.memoryUsage.rss();
  const samples: Sample[] = [];
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ at: performance.now(), rss: m.rss, heap: m.heapUsed });
  };
  const t = performance.now();
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  let result: { rows: number; bytes: number };
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const end = performance.now();
  sample();
  const mid = t + (end - t) / 2;
  const peak = (xs: Sample[], key: "rss" | "heap") => xs.reduce((p, s) => Math.max(p, s[key]), 0);
  return {
    ...result,
    seconds: (end - t) / 1000,
    baseline_rss,
    peak_rss: peak(samples, "rss"),
    peak_heap: peak(samples, "heap"),
    first_half_peak_rss: peak(samples.filter((s) => s.at <= mid), "rss"),
    second_half_peak_rss: peak(samples.filter((s) => s.at > mid), "rss"),
    samples: samples.length,
  };
}

/** A sink that only counts: what a fast client reading the download costs, with nothing kept. */
function countingSink(): { sink: Writable; bytes: () => number } {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  return { sink, bytes: () => bytes };
}

async function floorRun(database: Database, kind: ExportKind, filter: ExportFilter): Promise<Run> {
  return measured(async () => {
    const rows = await inSnapshot(database.db, async (tx) => {
      let count = 0;
      for await (const _row of EXPORTS[kind].rows(tx, filter)) count++;
      return count;
    });
    return { rows, bytes: 0 };
  });
}

async function exportRun(database: Database, kind: ExportKind, filter: ExportFilter): Promise<Run> {
  return measured(async () => {
    const { sink, bytes } = countingSink();
    const { rows } = await runExport(database.db, kind, filter, sink);
    return { rows, bytes: bytes() };
  });
}

const HEADER = `  ${"export".padEnd(26)} ${"rows".padStart(11)} ${"s".padStart(7)} ${"rows/s".padStart(9)} ${"MB".padStart(7)} ${"MB/s".padStart(6)} ${"baseline".padStart(9)} ${"peak RSS".padStart(9)} ${"growth".padStart(7)} ${"1st½ pk".padStart(8)} ${"2nd½ pk".padStart(8)} ${"heap pk".padStart(8)} ${"floor rows/s".padStart(12)} ${"export/floor".padStart(12)}`;
function row(label: string, run: Run, floor: Run): string {
  const m = (bytes: number) => `${fmt(bytes / 1_048_576)} MiB`.padStart(9);
  return `  ${label.padEnd(26)} ${fmt(run.rows).padStart(11)} ${run.seconds.toFixed(2).padStart(7)} ${fmt(run.rows / run.seconds).padStart(9)} ${fmt(mb(run.bytes), 1).padStart(7)} ${fmt(mb(run.bytes) / run.seconds, 1).padStart(6)} ${m(run.baseline_rss)} ${m(run.peak_rss)} ${`${run.peak_rss >= run.baseline_rss ? "+" : "−"}${fmt(Math.abs(run.peak_rss - run.baseline_rss) / 1_048_576)}`.padStart(7)} ${m(run.first_half_peak_rss).slice(1)} ${m(run.second_half_peak_rss).slice(1)} ${m(run.peak_heap).slice(1)} ${fmt(floor.rows / floor.seconds).padStart(12)} ${`${(run.seconds / floor.seconds).toFixed(2)}×`.padStart(12)}`;
}

/** The plan a cursor gets (cursor_tuple_fraction favours fast-start plans) and where the plain query spends its time. */
async function explain(database: Database, filter: ExportFilter): Promise<void> {
  for (const [label, query] of [["usage", usageQuery(filter)], ["journal", journalQuery(filter)]] as const) {
    for (const prefix of [sql`explain declare bench_explain no scroll cursor for `, sql`explain (analyze, buffers) `]) {
      const plan = (await database.db.transaction((tx) => tx.execute(sql`${prefix}${query}`))) as { rows: { "QUERY PLAN": string }[] };
      console.log(`  ${label}: ${plan.rows.map((r) => r["QUERY PLAN"]).join("\n    ")}`);
    }
  }
}

async function openBench(kind: DbKind): Promise<{ database: Database; close: () => Promise<void> }> {
  if (kind === "postgres") {
    const database = await createTestDatabase("postgres");
    return { database, close: () => database.close() };
  }
  // File-backed like the embedded default (DATA_DIR): an in-memory PGlite would hold the whole month in this process.
  const dir = mkdtempSync(join(tmpdir(), "spotlane-bench-export-"));
  const database = await openDatabase({ dataDir: dir });
  return {
    database,
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function benchDatabase(kind: DbKind, period: Period): Promise<void> {
  let opened: Awaited<ReturnType<typeof openBench>>;
  try {
    opened = await openBench(kind);
  } catch (err) {
    console.log(`${kind}: skipped (${(err as Error).message})`);
    return;
  }
  const { database } = opened;
  closeOnSignal = opened.close;
  try {
    const seeded = await seed(database, period, ROWS);
    console.log(`Database (${kind}): seeded ${fmt(ROWS)} requests, ${fmt(ROWS)} journal entries, ${fmt(seeded.lines)} ledger lines in ${seeded.seconds.toFixed(1)} s`);
    const all: ExportFilter = { period, organizationId: null, apiKeyId: null, modelId: null };
    const cases: { label: string; kind: ExportKind; filter: ExportFilter }[] = [
      { label: "usage (every organization)", kind: "usage", filter: all },
      { label: "usage (one buyer org)", kind: "usage", filter: { ...all, organizationId: "org_bench_b7" } },
      ...(values["skip-journal"] ? [] : [{ label: "journal (every line)", kind: "journal" as const, filter: all }]),
    ];
    if (values.explain) await explain(database, all);
    console.log(HEADER);
    for (const c of cases) {
      try {
        const floor = await floorRun(database, c.kind, c.filter);
        const run = await exportRun(database, c.kind, c.filter);
        if (run.rows !== floor.rows) throw new Error(`the export wrote ${run.rows} rows, its cursor read ${floor.rows}`);
        console.log(row(c.label, run, floor));
      } catch (err) {
        console.log(`  ${c.label.padEnd(26)} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    closeOnSignal = null;
    await opened.close();
  }
}

/** Ctrl-C mid-run still drops the throwaway PostgreSQL database and removes PGlite's temporary data dir. */
let closeOnSignal: (() => Promise<void>) | null = null;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void (closeOnSignal?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

const now = new Date();
const period = previousMonth(now);
console.log(`Export benchmark: ${fmt(ROWS)} settled requests in ${period.start.toISOString().slice(0, 7)} (${BUYER_ORGS} buyer orgs, ${fmt(KEYS)} keys, ${MODELS} models × ${HARDWARE.length} hardware classes, ${PROVIDER_ORGS} providers, ${MACHINES} machines); memory sampled every ${SAMPLE_MS} ms${(globalThis as { gc?: unknown }).gc ? ", GC before each baseline" : ""}`);
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
console.log(`Machine: ${cpus().length} cores, load average ${load()} (a busy machine slows every figure alike)`);
for (const kind of KINDS) await benchDatabase(kind, period);
console.log(`Load average at the end: ${load()}`);
console.log("floor = the export's own cursor rows counted with no CSV; export/floor = export time over floor time; RSS includes PGlite's in-process database.");
