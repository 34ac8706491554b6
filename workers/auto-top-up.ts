import type { Worker } from "./worker";

/** PLACEHOLDER: the auto top-up helper writes this worker. */
export const autoTopUpWorker: Worker = { name: "auto-top-up", start: () => async () => {} };
