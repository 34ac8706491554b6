import { findDueAutoTopUps } from "../server/billing/auto-top-up/find-due-auto-top-ups";
import { runAutoTopUp } from "../server/billing/auto-top-up/run-auto-top-up";
import type { Runtime } from "../server/runtime";
import { repeatEvery } from "./repeat";
import type { Worker } from "./worker";

/**
 * Auto top-up (README "Payments → Auto top-up"): every AUTO_TOP_UP_CHECK_MS, finds the organizations whose
 * available credit fell below their threshold (and attempts left pending by a crash or a failed try) and
 * enqueues one `auto-top-up` job each, keyed by organization so a second is never queued beside it; the job
 * runs runAutoTopUp, which re-checks everything and charges at most once. Runs only with Stripe configured and
 * the job queue started. Safe in several processes: the job key and the one-pending-attempt index decide.
 */
export function createAutoTopUpWorker(overrides: { check_ms?: number } = {}): Worker {
  return {
    name: "auto-top-up",
    async start(rt: Runtime) {
      const jobs = rt.jobs;
      if (!rt.services.stripe || !jobs) return async () => {};
      const ctx = rt.services;
      const check_ms = overrides.check_ms ?? rt.env.AUTO_TOP_UP_CHECK_MS;
      const log = rt.logger?.child({ component: "auto-top-up" });
      await jobs.work("auto-top-up", async ({ organizationId }) => {
        const { outcome, topUpId } = await runAutoTopUp(ctx, { organizationId });
        if (outcome !== "not_needed" && outcome !== "in_progress") log?.info({ organization_id: organizationId, top_up_id: topUpId, outcome }, "auto top-up attempted");
      });

      const tick = async (stopping: () => boolean) => {
        for (const organizationId of await findDueAutoTopUps(ctx.db, { now: ctx.now() })) {
          if (stopping()) return;
          await jobs.send("auto-top-up", { organizationId }, { singletonKey: organizationId });
        }
      };
      const loop = repeatEvery({ interval_ms: check_ms, tick, onError: (err) => log?.error({ err }, "auto top-up check failed") });
      return () => loop.stop();
    },
  };
}

export const autoTopUpWorker = createAutoTopUpWorker();
