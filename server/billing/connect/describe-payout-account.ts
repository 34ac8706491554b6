import type { ConnectRequirements, connectedAccounts } from "../../../db/schema";
import { DEAUTHORIZED_REASON, disabledReasonLabel, isTaxRequirement, requirementLabel } from "./requirement-labels";
import type { PayoutAccountView } from "./types";

export type ConnectedAccountRow = typeof connectedAccounts.$inferSelect;
type Requirement = PayoutAccountView["requirements"][number];
type Due = Requirement["due"];

const EMPTY_REQUIREMENTS: ConnectRequirements = { currently_due: [], eventually_due: [], past_due: [], pending_verification: [], disabled_reason: null, current_deadline: null, errors: [] };

/** Most urgent first: a field Stripe lists under several (past_due ⊂ currently_due) shows once, at its most urgent. */
const DUE_ORDER: Due[] = ["past_due", "currently_due", "pending_verification", "eventually_due"];

/** The platform files 1099s itself (it pays Stripe's fees, STRIPE.md "Tax"); Stripe's onboarding collects what it needs. */
const TAX_LABELS: Record<PayoutAccountView["tax"]["status"], string> = {
  not_started:
    "Not started: Stripe asks for your tax information (SSN or EIN) when you set up payouts. Spotlane files your 1099 from what Stripe collects; there is no separate tax form.",
  needed:
    "Needed: Stripe still needs your tax information (SSN or EIN). Spotlane files your 1099 from what Stripe collects; there is no separate tax form.",
  pending_verification: "Being verified: Stripe is checking the tax information you gave. Spotlane files your 1099 from it; there is no separate tax form.",
  on_file: "On file with Stripe. Spotlane files your 1099 from it; there is no separate tax form.",
};

/**
 * The provider's payout account as the dashboard shows it, from our cached copy of Stripe's account object
 * (`connected_accounts`, written by syncConnectedAccount). Pure: no Stripe call, so the page renders the same
 * with Stripe slow, down or unconfigured.
 */
export function describePayoutAccount(row: ConnectedAccountRow | null, opts: { stripe_configured: boolean }): PayoutAccountView {
  if (!row) {
    return {
      stripe_configured: opts.stripe_configured,
      stripe_account_id: null,
      state: "not_started",
      payouts_enabled: false,
      details_submitted: false,
      can_receive_payouts: false,
      requirements: [],
      deadline: null,
      disabled_reason: null,
      tax: { status: "not_started", label: TAX_LABELS.not_started },
    };
  }
  const req = { ...EMPTY_REQUIREMENTS, ...(row.requirements ?? {}) };
  const requirements = listRequirements(req);
  const can_receive_payouts = row.payoutsEnabled && row.transfersCapability === "active";
  return {
    stripe_configured: opts.stripe_configured,
    stripe_account_id: row.stripeAccountId,
    state: stateOf(row, req, can_receive_payouts),
    payouts_enabled: row.payoutsEnabled,
    details_submitted: row.detailsSubmitted,
    can_receive_payouts,
    requirements,
    deadline: req.current_deadline !== null && (req.currently_due.length > 0 || req.past_due.length > 0) ? new Date(req.current_deadline * 1000) : null,
    disabled_reason: disabledReasonOf(row, req),
    tax: taxStatusOf(row, req),
  };
}

function stateOf(row: ConnectedAccountRow, req: ConnectRequirements, can_receive_payouts: boolean): PayoutAccountView["state"] {
  // The platform lost the account: onboarding cannot continue there, someone has to act.
  if (req.disabled_reason === DEAUTHORIZED_REASON) return "action_required";
  const dueNow = req.past_due.length > 0 || req.currently_due.length > 0;
  if (!row.detailsSubmitted) return "onboarding";
  if (dueNow) return "action_required";
  if (can_receive_payouts && req.disabled_reason === null) return "enabled";
  // Nothing is asked of the provider: Stripe is checking what it has (or reviewing the account).
  const checking = req.pending_verification.length > 0 || row.transfersCapability === "pending" || req.disabled_reason === "requirements.pending_verification" || req.disabled_reason === "under_review" || req.disabled_reason === "listed";
  return checking ? "pending_verification" : "action_required";
}

/**
 * Stripe marks every new account disabled (`requirements.past_due`) until onboarding is submitted: that is not
 * something paused, so it is not shown as a reason until then (the requirements list says what is missing).
 */
function disabledReasonOf(row: ConnectedAccountRow, req: ConnectRequirements): string | null {
  if (req.disabled_reason === null) return null;
  if (!row.detailsSubmitted && req.disabled_reason !== DEAUTHORIZED_REASON) return null;
  return disabledReasonLabel(req.disabled_reason);
}

function listRequirements(req: ConnectRequirements): Requirement[] {
  const errors = new Map(req.errors.map((e) => [e.requirement, e.reason] as const));
  const byLabel = new Map<string, Requirement>();
  for (const due of DUE_ORDER) {
    for (const field of req[due]) {
      const label = requirementLabel(field);
      const error = errors.get(field) ?? null;
      const known = byLabel.get(label);
      if (!known) byLabel.set(label, { field, label, due, error });
      else if (known.error === null && error !== null) known.error = error;
    }
  }
  return [...byLabel.values()];
}

function taxStatusOf(row: ConnectedAccountRow, req: ConnectRequirements): PayoutAccountView["tax"] {
  const status: PayoutAccountView["tax"]["status"] =
    [...req.past_due, ...req.currently_due, ...req.eventually_due].some(isTaxRequirement) || !row.detailsSubmitted
      ? "needed"
      : req.pending_verification.some(isTaxRequirement)
        ? "pending_verification"
        : "on_file";
  return { status, label: TAX_LABELS[status] };
}
