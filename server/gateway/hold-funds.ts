import type { CreditLeases, LeaseHold } from "../billing/credit-leases";
import { releaseReservation } from "../billing/request-outcome";
import { reserveFunds } from "../billing/reserve-funds";
import type { ServiceContext } from "../context";
import type { ResolvedKey } from "./api-key-cache";

export type FundsHold = {
  kind: "lease" | "reservation";
  /** Ends the hold: `cost_nanos` is what the settled request will take (0 when it never ran). */
  end(cost_nanos: bigint): Promise<void>;
};

/**
 * Admission's hold. Keys with a monthly spend limit need the per-key ledger check, so they take a
 * reservation row (one transaction); all others are admitted from this instance's credit lease in
 * memory. Either way concurrent requests cannot overspend the balance.
 */
export async function holdFunds(deps: { services: ServiceContext; leases: CreditLeases }, key: ResolvedKey, requestId: string, amount_nanos: bigint): Promise<FundsHold> {
  if (key.monthly_spend_limit_nanos === null) {
    const hold: LeaseHold = await deps.leases.hold(key.organizationId, amount_nanos);
    return { kind: "lease", end: async (cost_nanos) => deps.leases.complete(hold, cost_nanos) };
  }
  await reserveFunds(deps.services, { organizationId: key.organizationId, apiKeyId: key.apiKeyId, monthly_spend_limit_nanos: key.monthly_spend_limit_nanos, requestId, amount_nanos });
  // A settled request's reservation is deleted in its settlement transaction; one that never ran is released now.
  return { kind: "reservation", end: async (cost_nanos) => (cost_nanos === 0n ? releaseReservation(deps.services, requestId) : undefined) };
}
