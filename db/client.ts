import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Anything a service may query through: the database or an open transaction. */
export type Queryable = Db | Tx;

export type Database = {
  db: Db;
  kind: "pglite" | "postgres";
  /** Raw pg-boss-compatible handle for PGlite, when embedded. */
  pglite?: unknown;
  /** The PostgreSQL connection string, when not embedded: the job queue (pg-boss) opens its own small pool on it. */
  url?: string;
  close(): Promise<void>;
};

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * PostgreSQL through `pg` when a URL is given, otherwise PGlite in `dataDir`.
 * One PGlite owner per data dir (a second process would corrupt it), and inside
 * `db.transaction` only the `tx` may be used (PGlite is a single connection).
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir?: string; poolSize?: number; migrate?: boolean }): Promise<Database> {
  let database: Database;
  if (opts.databaseUrl) {
    const { Pool } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const pool = new Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // An idle connection dropped by the server (restart, failover) must not crash the process; the pool reconnects.
    pool.on("error", (err) => console.error(`[db] idle PostgreSQL connection lost: ${err.message}`));
    database = { db: drizzle(pool, { schema }), kind: "postgres", url: opts.databaseUrl, close: () => pool.end() };
  } else {
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const client = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
    database = { db: drizzle(client, { schema }), kind: "pglite", pglite: client, close: () => client.close() };
  }
  if (opts.migrate !== false) await migrateDatabase(database);
  return database;
}

export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === "postgres") {
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    await migrate(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  }
}
