/**
 * Stripe's requirement fields (`account.requirements.*_due`, dotted paths such as `individual.dob.day`) and
 * disabled reasons, in words a provider understands. The fields are the ones Stripe's hosted Express onboarding
 * asks a US individual or company for; anything else is humanized from its path, so a new field Stripe starts
 * asking for still reads as something.
 */

/** Exact fields first, then prefixes (longest first wins): `tos_acceptance.*` is one thing to do, not two. */
const EXACT_LABELS: Record<string, string> = {
  external_account: "Bank account for payouts",
  business_type: "Business type (individual or company)",
  "individual.ssn_last_4": "Social Security number (for tax reporting)",
  "individual.id_number": "Social Security number (for tax reporting)",
  "individual.verification.document": "Identity document",
  "individual.verification.additional_document": "Additional identity document (e.g. proof of address)",
  "individual.first_name": "Your legal name",
  "individual.last_name": "Your legal name",
  "individual.email": "Email address",
  "individual.phone": "Phone number",
  "individual.political_exposure": "Whether you hold a public office",
  "company.tax_id": "Company tax ID (EIN)",
  "company.name": "Company legal name",
  "company.phone": "Company phone number",
  "company.owners_provided": "Company owners and executives",
  "company.directors_provided": "Company owners and executives",
  "company.executives_provided": "Company owners and executives",
  "company.verification.document": "Company verification document",
  "representative.verification.document": "Identity document of the company's representative",
};

const PREFIX_LABELS: [prefix: string, label: string][] = [
  ["tos_acceptance.", "Accept Stripe's terms of service"],
  ["business_profile.", "Business details"],
  ["individual.dob.", "Date of birth"],
  ["individual.address.", "Home address"],
  ["individual.verification.", "Identity verification"],
  ["company.address.", "Company address"],
  ["company.", "Company details"],
  ["representative.", "Details of the company's representative"],
  ["owners.", "Details of the company's owners"],
  ["directors.", "Details of the company's directors"],
  ["executives.", "Details of the company's executives"],
  ["settings.", "Account settings"],
];
PREFIX_LABELS.sort(([a], [b]) => b.length - a.length);

/** Stripe names a person it needs more about as `person_<id>.<field>`. */
const PERSON_FIELD = /^person_[A-Za-z0-9]+\./;

/**
 * The fields that are tax information: what Stripe needs so the platform can file the provider's 1099
 * (with `controller.fees.payer = "application"` the platform files them; STRIPE.md "Tax").
 */
export const TAX_REQUIREMENT_FIELDS: ReadonlySet<string> = new Set(["individual.ssn_last_4", "individual.id_number", "company.tax_id"]);

export function isTaxRequirement(field: string): boolean {
  return TAX_REQUIREMENT_FIELDS.has(field) || (PERSON_FIELD.test(field) && (field.endsWith(".ssn_last_4") || field.endsWith(".id_number")));
}

export function requirementLabel(field: string): string {
  const exact = EXACT_LABELS[field];
  if (exact) return exact;
  for (const [prefix, label] of PREFIX_LABELS) if (field.startsWith(prefix)) return label;
  if (PERSON_FIELD.test(field)) return "Details of a company owner or representative";
  return humanize(field);
}

/** `individual.political_exposure` → "Individual political exposure": unknown fields still read as words. */
export function humanize(field: string): string {
  const words = field
    .split(/[._]+/)
    .filter((w) => w.length > 0)
    .join(" ")
    .trim();
  return words.length === 0 ? "Information Stripe needs" : words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Ours, not Stripe's: `account.application.deauthorized` arrived, the platform can no longer reach the
 * account, so nothing can be sent to it (stored in `requirements.disabled_reason`).
 */
export const DEAUTHORIZED_REASON = "platform.access_revoked";

const DISABLED_REASONS: Record<string, string> = {
  "requirements.past_due": "Stripe needs the information listed here before it can pay you.",
  "requirements.pending_verification": "Stripe is verifying the information you gave; payouts start once it is done.",
  "action_required.requested_capabilities": "Stripe needs you to finish setting up transfers on your account.",
  under_review: "Stripe is reviewing this account; it will tell you by email if it needs anything.",
  listed: "Stripe is reviewing this account against sanctions lists; payouts are held until it is done.",
  platform_paused: "Payouts to this account are paused by the marketplace.",
  "rejected.fraud": "Stripe rejected this account (suspected fraud). Contact support.",
  "rejected.incomplete_verification": "Stripe rejected this account because verification was not completed. Contact support.",
  "rejected.listed": "Stripe rejected this account (it is on a sanctions list). Contact support.",
  "rejected.terms_of_service": "Stripe rejected this account for a breach of its terms of service. Contact support.",
  "rejected.platform_fraud": "This account was closed by the marketplace (suspected fraud). Contact support.",
  "rejected.platform_terms_of_service": "This account was closed by the marketplace for a breach of its terms. Contact support.",
  "rejected.platform_other": "This account was closed by the marketplace. Contact support.",
  "rejected.other": "Stripe rejected this account. Contact support.",
  other: "Stripe has disabled this account; open the Stripe dashboard for details.",
  [DEAUTHORIZED_REASON]: "This Stripe account is no longer connected to Spotlane (its access was revoked), so payouts cannot be sent to it. Contact support to connect a new one.",
};

export function disabledReasonLabel(reason: string): string {
  return DISABLED_REASONS[reason] ?? (reason.startsWith("rejected.") ? "Stripe rejected this account. Contact support." : `Stripe has disabled this account (${humanize(reason).toLowerCase()}).`);
}
