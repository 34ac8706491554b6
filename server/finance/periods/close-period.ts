import { and, count, eq, gte, lt, sql } from "drizzle-orm";
import { newId } from "../../../lib/ids";
import type { Tx } from "../../../db/client";
import { accountingPeriods, journalEntries, ledgerLines, periodClosingBalances } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import type { AuditActor } from "../audit/actions";
import { recordAudit } from "../audit/record-audit";
import { monthPeriod, type Period } from "../period";
import { nextCloseableMonth, notEndedReason, unreconciledReason } from "./closeable-month";
import { frozenBalancesAt, ledgerBalancesBefore, ledgerMovements, rollForwardProblems, totalsByAccount } from "./closing-balances";
import { LEDGER_PERIOD_LOCK_KEY } from "./posting-date";
import { closedPeriodView } from "./period-view";
import { sqlState, UNIQUE_VIOLATION_SQLSTATE } from "./sql-state";
import type { ClosedPeriodView } from "./types";

/** Rows per insert of frozen balances: 5 parameters each, far under PostgreSQL's 65,535 per statement. */
const BALANCE_INSERT_CHUNK = 1_000;

/** Closes one month (the next closeable one only): freezes closing balances, records the close and its audit entry, in one transaction under the exclusive period lock. */
export async function closePeriod(ctx: ServiceContext, input: { month: string; actor: AuditActor }): Promise<ClosedPeriodView> {
  const period = monthPeriod(input.month);
  const now = ctx.now();
  try {
    // READ COMMITTED on purpose: each statement after the lock sees every posting that held it before. A
    // REPEATABLE READ snapshot would be taken by the lock statement itself, before those postings committed.
    return await ctx.db.transaction(async (tx) => {
      // First, before reading anything: postings hold this lock shared while they date entries, so once it is
      // granted no transaction can still be dating an entry into this month, and none can start until commit.
      await tx.execute(sql`select pg_advisory_xact_lock(${LEDGER_PERIOD_LOCK_KEY})`);
      await assertCloseable(tx, input.month, period, now, Boolean(ctx.stripe));
      return freeze(tx, input.month, period, input.actor, now);
    });
  } catch (err) {
    // Two closes of one month at once: the re-check under the lock answers the second, the primary key is the backstop.
    if (sqlState(err) === UNIQUE_VIOLATION_SQLSTATE) throw new ServiceError("conflict", `${input.month} is already closed.`, { param: "month" });
    throw err;
  }
}

async function assertCloseable(tx: Tx, month: string, period: Period, now: Date, stripe_configured: boolean): Promise<void> {
  const next = await nextCloseableMonth(tx);
  if (!next) throw new ServiceError("invalid_input", "Nothing has been posted yet: there is no month to close.", { param: "month" });
  if (next.closed_through && period.start.getTime() < next.closed_through.getTime()) {
    const [row] = await tx.select({ start: accountingPeriods.periodStart }).from(accountingPeriods).where(eq(accountingPeriods.periodStart, period.start));
    if (row) throw new ServiceError("conflict", `${month} is already closed.`, { param: "month" });
  }
  if (period.start.getTime() !== next.period.start.getTime()) {
    throw new ServiceError("invalid_input", `${month} cannot be closed: the month that can be closed next is ${next.month} (closes are contiguous, one month after another).`, {
      param: "month",
      closeable_month: next.month,
    });
  }
  const reason = notEndedReason(month, period, now) ?? (await unreconciledReason(tx, month, period, stripe_configured));
  if (reason) throw new ServiceError("invalid_input", reason, { param: "month" });
}

async function freeze(tx: Tx, month: string, period: Period, actor: AuditActor, now: Date): Promise<ClosedPeriodView> {
  const inPeriod = <T extends typeof journalEntries.createdAt | typeof ledgerLines.createdAt>(at: T) => and(gte(at, period.start), lt(at, period.end));
  const [entries] = await tx.select({ n: count() }).from(journalEntries).where(inPeriod(journalEntries.createdAt));
  const [lines] = await tx.select({ n: count() }).from(ledgerLines).where(inPeriod(ledgerLines.createdAt));
  const journal_entry_count = Number(entries?.n ?? 0);
  const ledger_line_count = Number(lines?.n ?? 0);

  const opening = (await frozenBalancesAt(tx, period.start)) ?? (await ledgerBalancesBefore(tx, period.start));
  const movements = await ledgerMovements(tx, period);
  const closing = await ledgerBalancesBefore(tx, period.end);
  const problems = rollForwardProblems(opening, movements, closing);
  if (problems.length > 0) {
    // Internal: the ledger disagrees with the last frozen balances (or does not balance). Nothing is frozen.
    throw new Error(`refusing to close ${month}: closing balances do not roll forward (${problems.slice(0, 5).join("; ")}${problems.length > 5 ? `; +${problems.length - 5} more` : ""})`);
  }

  const [row] = await tx
    .insert(accountingPeriods)
    .values({ periodStart: period.start, periodEnd: period.end, closedAt: now, closedByUserId: actor?.userId ?? null, closedByEmail: actor?.email ?? null, journalEntryCount: journal_entry_count, ledgerLineCount: ledger_line_count })
    .returning();
  const frozen = closing.map((b) => ({ id: newId("periodBalance"), periodStart: period.start, account: b.account, organizationId: b.organization_id, amountNanos: b.amount_nanos }));
  for (let i = 0; i < frozen.length; i += BALANCE_INSERT_CHUNK) await tx.insert(periodClosingBalances).values(frozen.slice(i, i + BALANCE_INSERT_CHUNK));

  await recordAudit(tx, {
    actor,
    action: "period.close",
    subject: month,
    at: now,
    details: {
      period_start: period.start.toISOString(),
      period_end: period.end.toISOString(),
      journal_entry_count,
      ledger_line_count,
      closing_balances: frozen.length,
      closing_totals_nanos: totalsByAccount(closing),
      movements_nanos: totalsByAccount(movements),
    },
  });
  return closedPeriodView(row!);
}
