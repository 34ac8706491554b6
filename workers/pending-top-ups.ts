import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { reconcilePendingTopUps } from "../server/billing/top-ups/reconcile-pending-top-ups";
import { acquireLease, releaseLease, type Lease } from "../server/leader-lease";
import { fallbackLogger } from "../server/logger";
import type { Worker } from "./worker";

/** How often pending Checkout top-ups are re-read, and how old one must be (webhooks normally land in seconds). */
export const PENDING_TOP_UPS_INTERVAL_MS = 5 * 60_000;
export const PENDING_TOP_UPS_OLDER_THAN_MS = 15 * 60_000;

/**
 * Lost webhooks must not lose money: every few minutes one process (the `pending-top-ups` lease) re-reads
 * Checkout top-ups still pending after a quarter of an hour and fulfils them as Stripe says. Off without Stripe.
 */
export const pendingTopUpsWorker: Worker = {
  name: "pending-top-ups",
  start(rt) {
    const services = rt.services;
    if (!services.stripe) return async () => {};
    const logger = rt.logger?.child({ component: "pending-top-ups" }) ?? fallbackLogger();
    const lease: Lease = { name: "pending-top-ups", holder: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`, ttl_ms: PENDING_TOP_UPS_INTERVAL_MS * 2 };
    let running: Promise<void> | null = null;
    const run = async () => {
      try {
        if (!(await acquireLease(rt.database.db, lease))) return;
        const result = await reconcilePendingTopUps(services, { older_than_ms: PENDING_TOP_UPS_OLDER_THAN_MS, logger });
        if (result.checked > 0) logger.info(result, "reconciled pending top-ups");
      } catch (err) {
        logger.error({ err }, "pending top-ups: reconcile failed; retrying next interval");
      }
    };
    const timer = setInterval(() => {
      running ??= run().finally(() => (running = null));
    }, PENDING_TOP_UPS_INTERVAL_MS);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
      await releaseLease(rt.database.db, lease).catch((err: unknown) => logger.warn({ err }, "pending top-ups: could not release the lease"));
    };
  },
};
