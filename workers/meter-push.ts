import type { Worker } from "./worker";

/** PLACEHOLDER: the invoicing helper writes this worker. */
export const meterPushWorker: Worker = { name: "meter-push", start: () => async () => {} };
