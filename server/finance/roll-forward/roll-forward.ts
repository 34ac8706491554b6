import { and, count, eq, gte, isNotNull, lt, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { accountingPeriods, journalEntries, ledgerLines, periodClosingBalances } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { inSnapshot } from "../exports/snapshot-cursor";
import type { Period } from "../period";
import { buildRollForward, type SectionOrOther } from "./build-roll-forward";
import { SECTION_ACCOUNTS } from "./sections";
import type { RollForward } from "./types";

// Literals from the constant map above (no input reaches it): the section of an account, computed in SQL so
// every figure is one grouped query whatever the number of organizations.
const SECTION_WHENS = sql.raw(
  Object.entries(SECTION_ACCOUNTS)
    .flatMap(([section, accounts]) => accounts.map((account) => `when '${account}' then '${section}'`))
    .join(" "),
);
const sectionOf = (account: AnyColumn): SQL<SectionOrOther> => sql<SectionOrOther>`case ${account} ${SECTION_WHENS} else 'other' end`;

const toMap = (rows: { section: SectionOrOther; amount: string }[]) => new Map(rows.map((r) => [r.section, BigInt(r.amount)]));

/**
 * The roll-forward of every section over `period`, read in one REPEATABLE READ snapshot so opening, movements
 * and closing agree with each other while settlement keeps posting. Opening: the frozen closing of the closed
 * period ending at `period.start` when there is one, else the ledger summed up to the start.
 */
export async function rollForward(ctx: ServiceContext, period: Period): Promise<RollForward> {
  return inSnapshot(ctx.db, async (tx) => {
    const [closedRow] = await tx
      .select({ through: sql<Date | null>`max(${accountingPeriods.periodEnd})`.mapWith(accountingPeriods.periodEnd), frozen_start: sql<Date | null>`max(${accountingPeriods.periodStart}) filter (where ${eq(accountingPeriods.periodEnd, period.start)})`.mapWith(accountingPeriods.periodStart) })
      .from(accountingPeriods);
    const closed_through = closedRow?.through ?? null;
    const frozen_start = closedRow?.frozen_start ?? null;

    const frozen_opening = frozen_start
      ? toMap(
          await tx
            .select({ section: sectionOf(periodClosingBalances.account), amount: sql<string>`sum(${periodClosingBalances.amountNanos})::text` })
            .from(periodClosingBalances)
            .where(eq(periodClosingBalances.periodStart, frozen_start))
            .groupBy(sql`1`),
        )
      : null;

    const ledger = await tx
      .select({
        section: sectionOf(ledgerLines.account),
        before: sql<string>`coalesce(sum(${ledgerLines.amountNanos}) filter (where ${lt(ledgerLines.createdAt, period.start)}), 0)::text`,
        within: sql<string>`coalesce(sum(${ledgerLines.amountNanos}) filter (where ${gte(ledgerLines.createdAt, period.start)}), 0)::text`,
      })
      .from(ledgerLines)
      .where(lt(ledgerLines.createdAt, period.end))
      .groupBy(sql`1`);

    const movements = await tx
      .select({
        section: sectionOf(ledgerLines.account),
        kind: journalEntries.kind,
        amount: sql<string>`sum(${ledgerLines.amountNanos})::text`,
        entries: sql<number>`count(distinct ${journalEntries.id})::int`,
      })
      .from(ledgerLines)
      .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
      .where(and(gte(ledgerLines.createdAt, period.start), lt(ledgerLines.createdAt, period.end)))
      .groupBy(sql`1`, sql`2`);

    const [late] = await tx
      .select({ n: count() })
      .from(journalEntries)
      .where(and(gte(journalEntries.createdAt, period.start), lt(journalEntries.createdAt, period.end), isNotNull(journalEntries.occurredAt)));

    return buildRollForward({
      period,
      frozen_opening,
      ledger_before: toMap(ledger.map((r) => ({ section: r.section, amount: r.before }))),
      ledger_within: toMap(ledger.map((r) => ({ section: r.section, amount: r.within }))),
      movements: movements.map((m) => ({ section: m.section, kind: m.kind, amount_nanos: BigInt(m.amount), entries: Number(m.entries) })),
      // Nothing can be dated before the latest closed end (migration 0009), so such a period's figures are final.
      closed: closed_through !== null && period.end.getTime() <= closed_through.getTime(),
      late_entries: Number(late?.n ?? 0),
    });
  });
}
