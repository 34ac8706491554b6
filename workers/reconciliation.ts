import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { runReconciliation } from "../server/finance/reconciliation/run-reconciliation";
import { reconciliationDue } from "../server/finance/reconciliation/schedule";
import { acquireLease, releaseLease, type Lease } from "../server/leader-lease";
import type { Runtime } from "../server/runtime";
import { repeatEvery } from "./repeat";
import type { Worker } from "./worker";

export const RECONCILIATION_LEASE_NAME = "reconciliation";

/**
 * The daily reconciliation with Stripe (server/finance/README.md). One leader (a `reconciliation` lease row)
 * checks every RECONCILIATION_CHECK_MS whether RECONCILIATION_INTERVAL_HOURS have passed since the last current run
 * (schedule.ts: one covering up to when it ran, of any trigger; a run for an old month does not count) started
 * (read from the table: a restart does not run it again) and runs one. Another leader
 * after a lapsed lease at worst runs a second reconciliation: fees are keyed, runs only read Stripe.
 * Idle without Stripe.
 */
export function createReconciliationWorker(overrides: { check_ms?: number; interval_hours?: number } = {}): Worker {
  return {
    name: "reconciliation",
    start(rt: Runtime) {
      if (!rt.services.stripe) return async () => {};
      const ctx = rt.services;
      const db = rt.database.db;
      const check_ms = overrides.check_ms ?? rt.env.RECONCILIATION_CHECK_MS;
      const interval_hours = overrides.interval_hours ?? rt.env.RECONCILIATION_INTERVAL_HOURS;
      const log = rt.logger?.child({ component: "reconciliation" });
      const lease: Lease = { name: RECONCILIATION_LEASE_NAME, holder: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`, ttl_ms: Math.max(3 * check_ms, 30_000) };
      let leader = false;

      const tick = async (stopping: () => boolean) => {
        leader = await acquireLease(db, lease);
        if (!leader || stopping()) return;
        if (!(await reconciliationDue(db, ctx.now(), interval_hours))) return;
        const run = await runReconciliation(ctx, { trigger: "schedule", actor: null, ...(log ? { logger: log } : {}) });
        const counts = { run_id: run.id, status: run.status, matched: run.matched, missing_in_stripe: run.missing_in_stripe, missing_in_ledger: run.missing_in_ledger, amount_mismatch: run.amount_mismatch, fees_posted_nanos: run.fees_posted_nanos.toString() };
        if (run.status === "completed") log?.info(counts, "scheduled reconciliation finished");
        else log?.error({ ...counts, error: run.error }, "scheduled reconciliation failed; it runs again next interval");
      };
      const loop = repeatEvery({ interval_ms: check_ms, tick, onError: (err) => log?.error({ err }, "reconciliation check failed; retrying next interval") });

      return async () => {
        await loop.stop();
        if (leader) await releaseLease(db, lease).catch(() => {});
      };
    },
  };
}

export const reconciliationWorker = createReconciliationWorker();
