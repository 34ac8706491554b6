import { and, asc, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { connectedAccounts, PAYOUT_RUN_TRIGGERS, payoutRuns, payouts, type PayoutRunTrigger, type PayoutTrigger } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import type { ServiceContext } from "../../context";
import type { JobQueue } from "../../jobs/queue";
import { createPayout } from "./create-payout";
import { payoutPolicy } from "./policy";

const runInput = z.object({ trigger: z.enum(PAYOUT_RUN_TRIGGERS), userId: z.string().min(1).max(64).optional() });

/** A scheduled run's payouts are `scheduled`, an operator's `operator` (the provider sees which). */
const PAYOUT_TRIGGER: Record<PayoutRunTrigger, PayoutTrigger> = { schedule: "scheduled", operator: "operator" };

export type PayoutRunResult = {
  runId: string;
  payouts_created: number;
  total_nanos: bigint;
  /** Transferred payouts whose bank payout failed (or Stripe refused it), handed to their job to ask again. */
  bank_payouts_retried: number;
  /** Organizations whose claim or enqueue threw; the others were still paid. Their payouts, if created, resume later. */
  errors: { organizationId: string; message: string }[];
};

/** Enqueues one payout's job; at most one is queued or running per payout (a duplicate send is dropped). */
export const sendPayoutJob = (jobs: JobQueue, payoutId: string) => jobs.send("payout-transfer", { payoutId }, { singletonKey: payoutId });

/**
 * One payout run (README "Payout policy"): records the run, claims a payout for every provider organization
 * whose connected account can receive transfers (createPayout: at most one per organization and run, whatever
 * else runs concurrently) and enqueues each payout's `payout-transfer` job after its claim committed. Then it
 * hands transferred payouts whose bank payout failed back to their job, which asks Stripe again. One provider's
 * failure does not stop the run: it is reported in `errors`, and a payout it left pending is resumed by the
 * worker (findResumablePayouts).
 */
export async function runPayouts(ctx: ServiceContext, jobs: JobQueue, input: { trigger: PayoutRunTrigger; userId?: string }): Promise<PayoutRunResult> {
  const { trigger, userId } = runInput.parse(input);
  const policy = payoutPolicy(ctx);
  const runId = newId("payoutRun");
  await ctx.db.insert(payoutRuns).values({ id: runId, trigger, startedAt: ctx.now(), startedByUserId: userId ?? null });

  // Ready accounts with at least the minimum earned; the balance bounds what is payable, so nobody else can be paid.
  const candidates = await ctx.db
    .select({ organizationId: connectedAccounts.organizationId })
    .from(connectedAccounts)
    .where(
      and(
        eq(connectedAccounts.payoutsEnabled, true),
        eq(connectedAccounts.transfersCapability, "active"),
        sql`(select coalesce(sum(l.amount_nanos), 0) from ledger_lines l where l.organization_id = ${connectedAccounts.organizationId} and l.account = 'provider_earnings') >= ${policy.minimum_nanos.toString()}::bigint`,
      ),
    )
    .orderBy(asc(connectedAccounts.organizationId));

  let payouts_created = 0;
  let total_nanos = 0n;
  const errors: PayoutRunResult["errors"] = [];
  for (const { organizationId } of candidates) {
    try {
      const outcome = await createPayout(ctx, { organizationId, trigger: PAYOUT_TRIGGER[trigger], runId });
      if (outcome.outcome !== "created") continue;
      payouts_created++;
      total_nanos += outcome.amount_nanos;
      await sendPayoutJob(jobs, outcome.payoutId);
    } catch (err) {
      errors.push({ organizationId, message: err instanceof Error ? err.message : String(err) });
    }
  }

  const bankRetries = await ctx.db
    .select({ id: payouts.id, organizationId: payouts.organizationId })
    .from(payouts)
    .where(and(eq(payouts.status, "transferred"), or(inArray(payouts.bankStatus, ["failed", "canceled"]), and(isNull(payouts.bankPayoutId), isNotNull(payouts.bankFailureMessage)))));
  let bank_payouts_retried = 0;
  for (const p of bankRetries) {
    try {
      await sendPayoutJob(jobs, p.id);
      bank_payouts_retried++;
    } catch (err) {
      errors.push({ organizationId: p.organizationId, message: err instanceof Error ? err.message : String(err) });
    }
  }

  await ctx.db.update(payoutRuns).set({ payoutsCreated: payouts_created, totalNanos: total_nanos, finishedAt: ctx.now() }).where(eq(payoutRuns.id, runId));
  return { runId, payouts_created, total_nanos, bank_payouts_retried, errors };
}
