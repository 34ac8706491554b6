import type { Database } from "../db/client";
import type { Auth } from "./auth/auth";
import type { ServiceContext } from "./context";
import type { Env } from "./env";
import type { GatewayMetrics } from "./gateway/metrics";
import type { SettlementQueue } from "./billing/settlement-queue";
import type { OfferBook } from "./gateway/offer-book";
import type { JobQueue } from "./jobs/queue";
import type { Logger } from "./logger";

/**
 * The process-wide runtime, built once by server/main.ts. Next.js bundles route handlers
 * separately from the custom server, so the handle lives on globalThis: both bundles then share
 * one database (two PGlite instances on one data dir would corrupt it) and one auth instance.
 */
export type Runtime = {
  env: Env;
  baseUrl: string;
  database: Database;
  auth: Auth;
  services: ServiceContext;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** Durable settlement queue of the gateway role; tests flush it before reading the ledger. */
  settlements?: SettlementQueue;
  /** The durable job queue (pg-boss), started with the workers role; absent when workers are off. */
  jobs?: JobQueue;
  /** The gateway's in-memory offer snapshot; tests invalidate it after changing offers directly. */
  offerBook?: OfferBook;
};

const KEY = Symbol.for("spotlane.runtime");
type Holder = { [KEY]?: Runtime };

export function setRuntime(runtime: Runtime | undefined): void {
  (globalThis as Holder)[KEY] = runtime;
}

export function getRuntime(): Runtime {
  const rt = (globalThis as Holder)[KEY];
  if (!rt) throw new Error("Spotlane runtime not started: run the app through server/main.ts (npm start)");
  return rt;
}
