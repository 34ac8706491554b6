import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { ledgerSumNanos } from "../../../test/ledger";
import { seedOrganization } from "../../../test/market-fixtures";
import { PERIOD_CLOSED_SQLSTATE } from "./sql-state";
import { expectSqlState, topUp } from "./test-fixtures";

/**
 * The database itself refuses to change a closed period (migration 0009), whatever the code does: every
 * statement here is raw SQL, outside the services, and the close is a raw insert of the period row.
 */
for (const kind of DB_KINDS) {
  describe(`a closed period in the database (${kind})`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let buyer: string;
    let octEntry: string;
    let octLine: string;
    let novEntry: string;
    let novLine: string;
    const exec = (q: ReturnType<typeof sql>) => database.db.execute(q);
    const count = async (table: string) => {
      const r = (await exec(sql`select count(*)::int as n from ${sql.identifier(table)}`)) as { rows: { n: number }[] };
      return Number(r.rows[0]!.n);
    };

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      buyer = (await seedOrganization(database.db, "buyer")).organizationId;
      octEntry = (await topUp(database.db, buyer, 5_000_000_000n, new Date("2026-10-10T00:00:00Z"))).journalEntryId!;
      novEntry = (await topUp(database.db, buyer, 3_000_000_000n, new Date("2026-11-02T00:00:00Z"))).journalEntryId!;
      const lines = (await exec(sql`select id, journal_entry_id from ledger_lines where account = 'buyer_balance'`)) as { rows: { id: string; journal_entry_id: string }[] };
      octLine = lines.rows.find((r) => r.journal_entry_id === octEntry)!.id;
      novLine = lines.rows.find((r) => r.journal_entry_id === novEntry)!.id;
      // An October entry without lines, so deleting it is refused by the period and not by the lines' foreign key.
      await exec(sql`insert into journal_entries (id, kind, idempotency_key, created_at) values ('je_bare_oct', 'top_up', 'bare:oct', '2026-10-11T00:00:00Z')`);
      // A close writes its period and its frozen balances in one transaction (the database refuses them apart).
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into accounting_periods (period_start, period_end, journal_entry_count, ledger_line_count) values ('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', 2, 2)`);
        await tx.execute(sql`insert into period_closing_balances (id, period_start, account, organization_id, amount_nanos) values ('pbal_test', '2026-10-01T00:00:00Z', 'buyer_balance', ${buyer}, 5000000000)`);
      });
    });
    afterAll(async () => database?.close());

    it("refuses a journal entry or a ledger line dated inside it", async () => {
      await expectSqlState(exec(sql`insert into journal_entries (id, kind, idempotency_key, created_at) values ('je_late', 'top_up', 'late:1', '2026-10-31T23:59:59.999Z')`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`insert into ledger_lines (id, journal_entry_id, account, organization_id, amount_nanos, created_at) values ('ll_late', ${novEntry}, 'buyer_balance', ${buyer}, 1, '2026-10-15T00:00:00Z')`), PERIOD_CLOSED_SQLSTATE);
      // Many rows in one statement, one of them inside: the whole statement is refused.
      await expectSqlState(
        exec(sql`insert into ledger_lines (id, journal_entry_id, account, organization_id, amount_nanos, created_at) values ('ll_a', ${novEntry}, 'buyer_balance', ${buyer}, 1, '2026-11-03T00:00:00Z'), ('ll_b', ${novEntry}, 'stripe_clearing', null, -1, '2026-09-01T00:00:00Z')`),
        PERIOD_CLOSED_SQLSTATE,
      );
      expect(await count("journal_entries")).toBe(3);
      expect(await count("ledger_lines")).toBe(4);
    });

    it("refuses updating or deleting what is inside it, and moving a later row into it", async () => {
      await expectSqlState(exec(sql`update ledger_lines set amount_nanos = amount_nanos + 1 where id = ${octLine}`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`update ledger_lines set created_at = '2026-10-30T00:00:00Z' where id = ${novLine}`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`delete from ledger_lines where id = ${octLine}`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`update journal_entries set memo = 'edited' where id = ${octEntry}`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`update journal_entries set created_at = '2026-11-05T00:00:00Z' where id = 'je_bare_oct'`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`delete from journal_entries where id = 'je_bare_oct'`), PERIOD_CLOSED_SQLSTATE);
      const r = (await exec(sql`select amount_nanos::text as a from ledger_lines where id = ${octLine}`)) as { rows: { a: string }[] };
      expect(r.rows[0]!.a).toBe("5000000000");
    });

    it("refuses a line added to, or moved onto, an entry dated inside it (whatever the line's own date)", async () => {
      await expectSqlState(exec(sql`insert into ledger_lines (id, journal_entry_id, account, organization_id, amount_nanos, created_at) values ('ll_onto_oct', ${octEntry}, 'buyer_balance', ${buyer}, 1, '2026-11-05T00:00:00Z')`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`update ledger_lines set journal_entry_id = ${octEntry} where id = ${novLine}`), PERIOD_CLOSED_SQLSTATE);
      expect(await count("ledger_lines")).toBe(4);
    });

    it("refuses a stray frozen balance, a period that does not follow the last one, and TRUNCATE of the close or the audit log", async () => {
      await expectSqlState(exec(sql`insert into period_closing_balances (id, period_start, account, organization_id, amount_nanos) values ('pbal_stray', '2026-10-01T00:00:00Z', 'buyer_balance', ${buyer}, 1)`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`insert into accounting_periods (period_start, period_end, journal_entry_count, ledger_line_count) values ('2999-01-01T00:00:00Z', '2999-02-01T00:00:00Z', 0, 0)`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`truncate accounting_periods cascade`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`truncate period_closing_balances`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`truncate audit_log`), PERIOD_CLOSED_SQLSTATE);
      expect(await count("accounting_periods")).toBe(1);
      expect(await count("period_closing_balances")).toBe(1);
    });

    it("refuses TRUNCATE of either table", async () => {
      await expectSqlState(exec(sql`truncate ledger_lines`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`truncate journal_entries cascade`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`truncate journal_entries, ledger_lines`), PERIOD_CLOSED_SQLSTATE);
      expect(await count("journal_entries")).toBe(3);
      expect(await count("ledger_lines")).toBe(4);
    });

    it("refuses changing or removing the close and its frozen balances", async () => {
      await expectSqlState(exec(sql`update accounting_periods set period_end = '2026-10-15T00:00:00Z'`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`delete from accounting_periods`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`update period_closing_balances set amount_nanos = 0`), PERIOD_CLOSED_SQLSTATE);
      await expectSqlState(exec(sql`delete from period_closing_balances`), PERIOD_CLOSED_SQLSTATE);
      expect(await count("accounting_periods")).toBe(1);
      expect(await count("period_closing_balances")).toBe(1);
    });

    it("still takes entries and lines dated after the close, and changes to them", async () => {
      await exec(sql`insert into journal_entries (id, kind, idempotency_key, created_at) values ('je_nov', 'top_up', 'nov:1', '2026-11-01T00:00:00Z')`);
      await exec(sql`insert into ledger_lines (id, journal_entry_id, account, organization_id, amount_nanos, created_at) values ('ll_nov_a', 'je_nov', 'buyer_balance', ${buyer}, 7, '2026-11-01T00:00:00Z'), ('ll_nov_b', 'je_nov', 'stripe_clearing', null, -7, '2026-11-01T00:00:00Z')`);
      await exec(sql`update ledger_lines set amount_nanos = 8 where id = 'll_nov_a'`);
      await exec(sql`update ledger_lines set amount_nanos = -8 where id = 'll_nov_b'`);
      await exec(sql`update journal_entries set memo = 'fine' where id = 'je_nov'`);
      await exec(sql`delete from ledger_lines where journal_entry_id = 'je_nov'`);
      await exec(sql`delete from journal_entries where id = 'je_nov'`);
      await topUp(database.db, buyer, 1n, new Date("2026-11-20T00:00:00Z"));
      expect(await count("ledger_lines")).toBe(6);
      expect(await ledgerSumNanos(database.db)).toBe(0n);
    });
  });
}
