/**
 * Spotlane's gateway for the benchmark, in its own process: `startServer` without the dashboard on
 * a fresh database (in-memory PGlite, or a throwaway database on BENCH_DATABASE_URL's PostgreSQL
 * server, dropped at exit), with a buyer (API key, ample local test credit) and a provider agent
 * token. Prints one JSON line `{"url", "apiKey", "agentToken"}`; SIGTERM closes everything.
 */
export {};

const benchDatabaseUrl = process.env.BENCH_DATABASE_URL;
// test/database.ts reads TEST_POSTGRES_URL when it loads: point it at the benchmark's server first.
if (benchDatabaseUrl) process.env.TEST_POSTGRES_URL = benchDatabaseUrl;
const { startTestMarketplace } = await import("../test/marketplace");

// Production canary cadence (env.ts defaults), not the harness's fast one: verification traffic
// during the run stays what a real deployment sees. A new offer still verifies in a few seconds.
const mp = await startTestMarketplace(benchDatabaseUrl ? "postgres" : "pglite", { env: { CANARY_TICK_MS: "1000", CANARY_BURST_INTERVAL_MS: "2000", CANARY_INTERVAL_S: "60" } });
const buyer = await mp.createBuyer({ credit_usd: "100000" });
const provider = await mp.createProvider();
process.stdout.write(JSON.stringify({ url: mp.baseUrl, apiKey: buyer.apiKey, agentToken: provider.agentToken, database: mp.server.runtime.database.kind, pid: process.pid }) + "\n");

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await mp.close().catch(() => {});
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
