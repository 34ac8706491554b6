import type { Worker } from "./worker";

/** PLACEHOLDER: the webhook-pipeline helper writes this worker (processes stored Stripe events from the job queue). */
export const stripeEventsWorker: Worker = { name: "stripe-events", start: () => async () => {} };
