// Test-only helpers for the period and roll-forward tests (imported by *.int.test.ts files only).
import { expect } from "vitest";
import type { Db } from "../../../db/client";
import { newId } from "../../../lib/ids";
import { postJournalEntry, type JournalLine } from "../../billing/post-journal-entry";
import type { RequestOutcome } from "../../billing/request-outcome";
import { ServiceError, type ServiceErrorCode } from "../../errors";
import { sqlState } from "./sql-state";

/** One balanced entry posted in its own transaction, as the services do. */
export function postAt(db: Db, kind: string, at: Date, lines: JournalLine[]) {
  return db.transaction((tx) => postJournalEntry(tx, { kind, idempotencyKey: `${kind}:${newId("request")}`, at, lines }));
}

/** A buyer's top-up: buyer credit up, Stripe clearing down. */
export function topUp(db: Db, organizationId: string, amount_nanos: bigint, at: Date) {
  return postAt(db, "top_up", at, [
    { account: "buyer_balance", organizationId, amount_nanos },
    { account: "stripe_clearing", organizationId: null, amount_nanos: -amount_nanos },
  ]);
}

export async function expectServiceError(p: Promise<unknown>, code: ServiceErrorCode, message?: RegExp): Promise<ServiceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected a ServiceError").toBeInstanceOf(ServiceError);
  expect((err as ServiceError).code).toBe(code);
  if (message) expect((err as ServiceError).message).toMatch(message);
  return err as ServiceError;
}

export async function expectSqlState(p: Promise<unknown>, state: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected SQLSTATE ${state}`).not.toBeNull();
  expect(sqlState(err)).toBe(state);
}

/** A completed request of `cost_nanos`-ish (price × billed_ms), finishing at `completedAt`. */
export function requestOutcome(o: { buyer: { organizationId: string; apiKeyId: string }; providerOrganizationId: string; completedAt: Date; price_nanos_per_second?: bigint; billed_ms?: number }): RequestOutcome {
  const billed_ms = o.billed_ms ?? 1_000;
  return {
    requestId: newId("request"),
    organizationId: o.buyer.organizationId,
    apiKeyId: o.buyer.apiKeyId,
    offerId: newId("offer"),
    machineId: newId("machine"),
    providerOrganizationId: o.providerOrganizationId,
    modelId: "llama-3.1-8b",
    hardwareClass: "cpu",
    endpoint: "chat.completions",
    stream: false,
    status: "completed",
    errorCode: null,
    price_nanos_per_second: o.price_nanos_per_second ?? 1_000_000n,
    bid_nanos_per_second: null,
    compute_ms: billed_ms,
    served_ms: null,
    quote_ms: null,
    billed_ms,
    ttft_ms: 5,
    prompt_tokens: 3,
    completion_tokens: 4,
    dispatchedAt: new Date(o.completedAt.getTime() - billed_ms),
    completedAt: o.completedAt,
    hold: "reservation",
  };
}
