import { eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { organizationBilling, type BillingMode, type BillingStanding } from "../../../db/schema";
import { ServiceError } from "../../errors";

/** How an organization pays. No row = prepaid in good standing (every organization until an operator says otherwise). */
export type BillingTerms = { mode: BillingMode; credit_limit_nanos: bigint; standing: BillingStanding; standing_reason: string | null };

const PREPAID: BillingTerms = { mode: "prepaid", credit_limit_nanos: 0n, standing: "good", standing_reason: null };

export async function getBillingTerms(q: Queryable, organizationId: string): Promise<BillingTerms> {
  const [row] = await q
    .select({ mode: organizationBilling.mode, credit_limit_nanos: organizationBilling.creditLimitNanos, standing: organizationBilling.standing, standing_reason: organizationBilling.standingReason })
    .from(organizationBilling)
    .where(eq(organizationBilling.organizationId, organizationId));
  return row ?? PREPAID;
}

/** What admission may draw beyond the ledger balance: the credit limit, for invoiced organizations only. */
export function creditLimitInForce(terms: BillingTerms): bigint {
  return terms.mode === "invoiced" ? terms.credit_limit_nanos : 0n;
}

export const PAST_DUE_MESSAGE = "Your organization's invoice is past due; pay it from the Billing page.";

/** Admission refuses a past-due organization (the gateway answers 402 insufficient_quota), whatever its balance. */
export function pastDueError(): ServiceError {
  return new ServiceError("insufficient_balance", PAST_DUE_MESSAGE, { code: "invoice_past_due" });
}

export async function isPastDue(q: Queryable, organizationId: string): Promise<boolean> {
  return (await getBillingTerms(q, organizationId)).standing === "past_due";
}

/** A WHERE condition for statements that must not extend a past-due organization's credit (credit-leases.ts renewals). */
export function notPastDue(organizationId: string): SQL {
  return sql`not exists (select 1 from ${organizationBilling} where ${organizationBilling.organizationId} = ${organizationId} and ${organizationBilling.standing} = 'past_due')`;
}
