/**
 * Every durable job the queue (pg-boss, server/jobs/queue.ts) runs, and the data each carries. A job's data
 * names the durable row it works on (the event, the organization); the row, not the job, is the record.
 */
export type JobData = {
  /** Process one stored Stripe event (stripe_events.id). */
  "stripe-event": { eventId: string };
  /** Charge one organization's saved card if its credit is below its auto top-up threshold. */
  "auto-top-up": { organizationId: string };
  /** Push closed meter outbox rows to Stripe's Billing Meter. */
  "meter-push": Record<string, never>;
  /** Make (or finish) one payout's Stripe transfer and bank payout (payouts.id). */
  "payout-transfer": { payoutId: string };
};
export type JobName = keyof JobData;
export const JOB_NAMES = ["stripe-event", "auto-top-up", "meter-push", "payout-transfer"] as const satisfies readonly JobName[];
