import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../db/client";

export type DbKind = "pglite" | "postgres";
export const DB_KINDS: DbKind[] = ["pglite", "postgres"];

/** The PostgreSQL server on these machines (STACK.md); tests create and drop their own database in it. */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh, migrated database: in-memory PGlite, or a throwaway PostgreSQL database dropped on close. */
export async function createTestDatabase(kind: DbKind): Promise<Database & { url?: string }> {
  if (kind === "pglite") return openDatabase({});
  const name = `spotlane_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 20 });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const admin2 = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await admin2.connect();
      // pg's pool.end() resolves before its clients' sockets have closed; a forced drop that kills
      // them first makes the pool emit an unhandled 'error' (57P01) into whatever test runs next.
      for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        const { rows } = await admin2.query("select count(*)::int as n from pg_stat_activity where datname = $1", [name]);
        if (rows[0].n === 0) break;
      }
      await admin2.query(`drop database if exists ${name} with (force)`);
      await admin2.end();
    },
  };
}
