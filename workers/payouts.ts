import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { findResumablePayouts } from "../server/billing/payouts/find-resumable-payouts";
import { payoutRunDue } from "../server/billing/payouts/payout-schedule";
import { payoutPolicy } from "../server/billing/payouts/policy";
import { runPayouts, sendPayoutJob } from "../server/billing/payouts/run-payouts";
import { sendPayout } from "../server/billing/payouts/send-payout";
import { acquireLease, releaseLease, type Lease } from "../server/leader-lease";
import type { Runtime } from "../server/runtime";
import { repeatEvery } from "./repeat";
import type { Worker } from "./worker";

export const PAYOUTS_LEASE_NAME = "payouts";

/**
 * Payouts (README "Payouts"). Every process with the job queue works `payout-transfer` jobs (sendPayout: the
 * Stripe transfer, then the bank payout). One leader (a `payouts` lease row, like meter-push) checks every
 * PAYOUT_CHECK_MS whether the scheduled run is due (PAYOUT_RUN_INTERVAL_HOURS after the last) and runs it, and
 * re-sends the jobs of payouts left unfinished by a crash or by retries that ran out (findResumablePayouts).
 * Safe beside another leader after a lease lapses: claims lock the provider's account, a run row is written
 * before it pays anyone (so the schedule is not due twice), and a payout's job is a singleton per payout.
 * Idle without Stripe or the job queue.
 */
export function createPayoutsWorker(overrides: { check_ms?: number } = {}): Worker {
  return {
    name: "payouts",
    async start(rt: Runtime) {
      const jobs = rt.jobs;
      if (!rt.services.stripe || !jobs) return async () => {};
      const ctx = rt.services;
      const db = rt.database.db;
      const check_ms = overrides.check_ms ?? rt.env.PAYOUT_CHECK_MS;
      const log = rt.logger?.child({ component: "payouts" });
      // Three missed checks before another process may take over; never under 30 s, so a fast check does not make leadership flap.
      const lease: Lease = { name: PAYOUTS_LEASE_NAME, holder: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`, ttl_ms: Math.max(3 * check_ms, 30_000) };
      let leader = false;

      await jobs.work("payout-transfer", async ({ payoutId }, run) => {
        await sendPayout(ctx, { payoutId, attempt: run.attempt, final: run.final, ...(log ? { logger: log } : {}) });
      });

      const tick = async (stopping: () => boolean) => {
        leader = await acquireLease(db, lease);
        if (!leader || stopping()) return;
        const now = ctx.now();
        if (await payoutRunDue(db, now, payoutPolicy(ctx))) {
          const run = await runPayouts(ctx, jobs, { trigger: "schedule" });
          log?.info({ run_id: run.runId, payouts_created: run.payouts_created, total_nanos: run.total_nanos.toString(), bank_payouts_retried: run.bank_payouts_retried }, "scheduled payout run finished");
          for (const e of run.errors) log?.error({ run_id: run.runId, organization_id: e.organizationId, err: e.message }, "payout run could not pay an organization; its payout resumes later");
        }
        for (const payoutId of await findResumablePayouts(db, { now })) {
          if (stopping()) return;
          await sendPayoutJob(jobs, payoutId);
        }
      };
      const loop = repeatEvery({ interval_ms: check_ms, tick, onError: (err) => log?.error({ err }, "payout check failed; retrying next interval") });

      return async () => {
        await loop.stop();
        if (leader) await releaseLease(db, lease).catch(() => {});
      };
    },
  };
}

export const payoutsWorker = createPayoutsWorker();
