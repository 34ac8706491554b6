import { isOperator } from "../auth/operators";
import { hasRole } from "../auth/roles";

/**
 * Platform finance (the Finance page, platform-wide exports, period close, reconciliation) sees every
 * organization's money, so it is for the people who run this deployment: a platform operator
 * (OPERATOR_EMAILS) whose role in their active organization includes `finance` (or `admin`). A `finance`
 * member of a customer's organization sees that organization's own figures only (its usage export, its
 * Billing and Payouts pages), never the platform's.
 */
export function canUsePlatformFinance(operatorEmails: readonly string[], email: string | null | undefined, memberRole: string | null | undefined): boolean {
  return isOperator(operatorEmails, email) && hasRole(memberRole, "finance");
}
