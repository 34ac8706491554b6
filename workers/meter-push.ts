import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Gauge } from "prom-client";
import { meterOutboxCounts } from "../server/billing/invoicing/invoicing-overview";
import { pushMeterOutbox } from "../server/billing/invoicing/push-meter-outbox";
import { acquireLease, releaseLease, type Lease } from "../server/leader-lease";
import { fallbackLogger } from "../server/logger";
import type { Worker } from "./worker";

export const METER_PUSH_LEASE_NAME = "meter-push";
/** Rows close a minute after their hour ends; checking every 30 s pushes them within about 90 s of that. */
export const METER_PUSH_INTERVAL_MS = 30_000;

/**
 * Pushes invoiced organizations' hourly usage from the meter outbox to Stripe's Billing Meter
 * (server/billing/invoicing/push-meter-outbox.ts). Leader-only (a `meter-push` lease row), and rows are
 * claimed with SKIP LOCKED besides, so two processes never push one row at once. Idle without Stripe.
 * Exposes `spotlane_meter_outbox_rows{status}`: operators alert on `stuck` > 0.
 */
export const meterPushWorker: Worker = {
  name: "meter-push",
  start(rt) {
    const stripe = rt.services.stripe;
    if (!stripe) return async () => {};
    const logger = rt.logger?.child({ component: "meter-push" }) ?? fallbackLogger();
    const db = rt.database.db;
    const lease: Lease = { name: METER_PUSH_LEASE_NAME, holder: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`, ttl_ms: 3 * METER_PUSH_INTERVAL_MS };
    const gauge = rt.metrics
      ? new Gauge({
          name: "spotlane_meter_outbox_rows",
          help: "Meter outbox rows by status (open: accumulating; sending: being pushed; delivered; stuck: needs an operator).",
          labelNames: ["status"] as const,
          registers: [rt.metrics.registry],
          async collect() {
            for (const [status, v] of Object.entries(await meterOutboxCounts(db))) this.set({ status }, v.count);
          },
        })
      : null;

    let stopped = false;
    let leader = false;
    let running: Promise<void> | null = null;
    const tick = async () => {
      try {
        leader = await acquireLease(db, lease);
        if (!leader || stopped) return;
        const outcome = await pushMeterOutbox({ db, stripe }, rt.services.now());
        if (outcome.stuck > 0) logger.error({ stuck: outcome.stuck }, "meter outbox rows are stuck: an operator must settle them by hand (Operations page)");
        if (outcome.failed > 0) logger.warn({ failed: outcome.failed }, "meter push failed for some rows; retrying with backoff");
      } catch (err) {
        logger.error({ err }, "meter push failed; retrying next interval");
      }
    };
    const timer = setInterval(() => {
      running ??= tick().finally(() => (running = null));
    }, METER_PUSH_INTERVAL_MS);
    timer.unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      if (gauge) rt.metrics?.registry.removeSingleMetric("spotlane_meter_outbox_rows");
      if (leader) await releaseLease(db, lease).catch(() => {});
    };
  },
};
