import { claimDueOffers } from "../server/providers/verification/claim-due-offers";
import { verificationConfigFromEnv, type VerificationConfig } from "../server/providers/verification/config";
import { pruneCanaryRuns } from "../server/providers/verification/prune-canary-runs";
import { runCanary } from "../server/providers/verification/run-canary";
import type { Runtime } from "../server/runtime";
import type { Worker } from "./worker";

/**
 * Canary verification (DESIGN §5; rules in server/providers/verification/README.md): every tick,
 * claims the live offers whose next canary is due and sends each one canary through the normal
 * dispatch path, at most `concurrency` at a time. Safe to run in several processes on one PostgreSQL
 * database (offers are claimed with row locks). Stopping aborts canaries in flight without recording them.
 */
export function createVerificationWorker(overrides: Partial<VerificationConfig> & { random?: () => number } = {}): Worker {
  return {
    name: "verification",
    start(rt: Runtime) {
      if (!rt.env.VERIFICATION_ENABLED) return async () => {};
      const { random = Math.random, ...rest } = overrides;
      const config: VerificationConfig = { ...verificationConfigFromEnv(rt.env), ...rest };
      const ctx = rt.services;
      const log = rt.logger?.child({ component: "verification" });
      const stop = new AbortController();
      const inflight = new Set<Promise<void>>();
      let timer: NodeJS.Timeout | null = null;
      let prunedAt = 0;

      const tick = async () => {
        if (Date.now() - prunedAt > 3600_000) {
          prunedAt = Date.now();
          await pruneCanaryRuns(ctx.db, { now: ctx.now() });
        }
        const free = config.concurrency - inflight.size;
        if (free <= 0) return;
        const due = await claimDueOffers(ctx.db, { now: ctx.now(), lease_ms: config.lease_ms, limit: free });
        for (const offer of due) {
          const job = runCanary(ctx, offer, { config, random, signal: stop.signal })
            .then((result) => {
              if (result?.decision.event) log?.info({ offer_id: offer.offerId, model_id: offer.modelId, event: result.decision.event }, "offer verification changed");
            })
            .catch((err: unknown) => {
              if (!stop.signal.aborted) log?.error({ err, offer_id: offer.offerId }, "canary failed to record");
            })
            .finally(() => inflight.delete(job));
          inflight.add(job);
        }
      };
      const loop = () => {
        timer = setTimeout(() => {
          tick()
            .catch((err: unknown) => {
              if (!stop.signal.aborted) log?.error({ err }, "verification tick failed");
            })
            .finally(() => {
              if (!stop.signal.aborted) loop();
            });
        }, config.tick_ms);
      };
      loop();

      return async () => {
        stop.abort();
        if (timer) clearTimeout(timer);
        await Promise.allSettled([...inflight]);
      };
    },
  };
}

export const verificationWorker = createVerificationWorker();
