import type { Runtime } from "../server/runtime";

/**
 * A periodic or long-running job. `start` returns a stop function that resolves once it has stopped.
 * In a file of its own so worker files need not import workers/index.ts, which imports them (no cycle).
 */
export type Worker = { name: string; start(rt: Runtime): Promise<() => Promise<void>> | (() => Promise<void>) };
