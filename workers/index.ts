import type { Runtime } from "../server/runtime";
import { autoTopUpWorker } from "./auto-top-up";
import { clearingTickWorker } from "./clearing-tick";
import { meterPushWorker } from "./meter-push";
import { payoutsWorker } from "./payouts";
import { pendingTopUpsWorker } from "./pending-top-ups";
import { reconciliationWorker } from "./reconciliation";
import { stripeEventsWorker } from "./stripe-events";
import { verificationWorker } from "./verification";
import type { Worker } from "./worker";

export type { Worker } from "./worker";

/** Every worker the `workers` role runs. Add one line per worker file. */
export const WORKERS: Worker[] = [clearingTickWorker, verificationWorker, stripeEventsWorker, autoTopUpWorker, meterPushWorker, pendingTopUpsWorker, payoutsWorker, reconciliationWorker];

export async function startWorkers(rt: Runtime, workers: Worker[] = WORKERS): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  for (const w of workers) stops.push(await w.start(rt));
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
