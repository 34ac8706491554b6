import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ConnectRequirements } from "../../../db/schema";
import { describePayoutAccount, type ConnectedAccountRow } from "./describe-payout-account";
import { DEAUTHORIZED_REASON, disabledReasonLabel, humanize, isTaxRequirement, requirementLabel } from "./requirement-labels";

const at = new Date("2026-12-01T00:00:00Z");
const none: ConnectRequirements = { currently_due: [], eventually_due: [], past_due: [], pending_verification: [], disabled_reason: null, current_deadline: null, errors: [] };
const row = (over: Partial<ConnectedAccountRow> = {}, req: Partial<ConnectRequirements> = {}): ConnectedAccountRow => ({
  organizationId: "org_1",
  stripeAccountId: "acct_1",
  detailsSubmitted: true,
  payoutsEnabled: true,
  transfersCapability: "active",
  requirements: { ...none, ...req },
  stripeReadAt: at,
  createdAt: at,
  updatedAt: at,
  ...over,
});
/** What Stripe's account object holds right after accounts.create for an Express US individual. */
const FRESH_DUE = ["business_type", "external_account", "individual.dob.day", "individual.dob.month", "individual.dob.year", "individual.first_name", "individual.last_name", "individual.ssn_last_4", "tos_acceptance.date", "tos_acceptance.ip"];
const stripe = { stripe_configured: true };

describe("describePayoutAccount", () => {
  it("no account: not started, tax not started, and whether Stripe is there to set one up", () => {
    expect(describePayoutAccount(null, stripe)).toMatchObject({ state: "not_started", stripe_account_id: null, can_receive_payouts: false, requirements: [], tax: { status: "not_started" } });
    expect(describePayoutAccount(null, { stripe_configured: false }).stripe_configured).toBe(false);
  });

  it("a fresh account is onboarding, with what Stripe needs in words, one line per thing to do", () => {
    const view = describePayoutAccount(row({ detailsSubmitted: false, payoutsEnabled: false, transfersCapability: "inactive" }, { currently_due: FRESH_DUE, past_due: FRESH_DUE, disabled_reason: "requirements.past_due" }), stripe);
    expect(view.state).toBe("onboarding");
    expect(view.requirements.map((r) => r.label)).toEqual([
      "Business type (individual or company)",
      "Bank account for payouts",
      "Date of birth",
      "Your legal name",
      "Social Security number (for tax reporting)",
      "Accept Stripe's terms of service",
    ]);
    expect(view.requirements.every((r) => r.due === "past_due")).toBe(true);
    expect(view.tax.status).toBe("needed");
    // Not "paused": Stripe disables every account until onboarding is submitted.
    expect(view.disabled_reason).toBeNull();
  });

  it("payouts switched off after onboarding: the reason in words", () => {
    const view = describePayoutAccount(row({ payoutsEnabled: false, transfersCapability: "inactive" }, { currently_due: ["external_account"], past_due: ["external_account"], disabled_reason: "requirements.past_due" }), stripe);
    expect(view).toMatchObject({ state: "action_required", can_receive_payouts: false, disabled_reason: "Stripe needs the information listed here before it can pay you." });
  });

  it("submitted, transfers active, nothing due: enabled, tax on file", () => {
    const view = describePayoutAccount(row(), stripe);
    expect(view).toMatchObject({ state: "enabled", can_receive_payouts: true, requirements: [], deadline: null, disabled_reason: null, tax: { status: "on_file" } });
    expect(view.tax.label).toMatch(/files your 1099 from/);
    expect(view.tax.label).toMatch(/no separate tax form/);
  });

  it("tax information only eventually due: still enabled, but tax needed", () => {
    const view = describePayoutAccount(row({}, { eventually_due: ["individual.ssn_last_4"] }), stripe);
    expect(view.state).toBe("enabled");
    expect(view.tax.status).toBe("needed");
    expect(view.requirements).toEqual([{ field: "individual.ssn_last_4", label: "Social Security number (for tax reporting)", due: "eventually_due", error: null }]);
  });

  it("Stripe asks for more: action required, with the deadline and Stripe's reason for a refused document", () => {
    const deadline_s = 1_767_225_600;
    const view = describePayoutAccount(
      row({}, { currently_due: ["individual.verification.document", "company.tax_id"], current_deadline: deadline_s, errors: [{ requirement: "individual.verification.document", code: "verification_document_expired", reason: "The document has expired." }] }),
      stripe,
    );
    expect(view.state).toBe("action_required");
    expect(view.can_receive_payouts).toBe(true);
    expect(view.deadline).toEqual(new Date(deadline_s * 1000));
    expect(view.requirements).toEqual([
      { field: "individual.verification.document", label: "Identity document", due: "currently_due", error: "The document has expired." },
      { field: "company.tax_id", label: "Company tax ID (EIN)", due: "currently_due", error: null },
    ]);
    expect(view.tax.status).toBe("needed");
  });

  it("being verified: pending verification, and tax pending when a tax field is being checked", () => {
    const view = describePayoutAccount(row({ payoutsEnabled: false, transfersCapability: "pending" }, { pending_verification: ["individual.ssn_last_4"], disabled_reason: "requirements.pending_verification" }), stripe);
    expect(view.state).toBe("pending_verification");
    expect(view.tax.status).toBe("pending_verification");
    expect(view.disabled_reason).toMatch(/verifying/);
  });

  it("deauthorized: action required, cannot receive payouts, says why", () => {
    const view = describePayoutAccount(row({ payoutsEnabled: false, transfersCapability: "inactive" }, { disabled_reason: DEAUTHORIZED_REASON }), stripe);
    expect(view).toMatchObject({ state: "action_required", can_receive_payouts: false });
    expect(view.disabled_reason).toMatch(/no longer connected to Spotlane/);
  });

  it("rejected without anything due: action required, not enabled", () => {
    const view = describePayoutAccount(row({ payoutsEnabled: false, transfersCapability: "inactive" }, { disabled_reason: "rejected.fraud" }), stripe);
    expect(view.state).toBe("action_required");
    expect(view.disabled_reason).toMatch(/rejected/);
  });

  it("a row written before any read (requirements null) describes as onboarding", () => {
    expect(describePayoutAccount(row({ detailsSubmitted: false, payoutsEnabled: false, transfersCapability: "inactive", requirements: null, stripeReadAt: null }), stripe)).toMatchObject({ state: "onboarding", requirements: [], tax: { status: "needed" } });
  });

  const field = fc.oneof(fc.constantFrom(...FRESH_DUE, "company.tax_id", "individual.id_number", "individual.verification.document", "business_profile.url", "person_1AbC.ssn_last_4"), fc.stringMatching(/^[a-z][a-z_.]{0,30}$/));
  const requirements = fc.record({
    currently_due: fc.array(field, { maxLength: 8 }),
    eventually_due: fc.array(field, { maxLength: 8 }),
    past_due: fc.array(field, { maxLength: 8 }),
    pending_verification: fc.array(field, { maxLength: 8 }),
    disabled_reason: fc.option(fc.constantFrom("requirements.past_due", "under_review", "rejected.other", "listed", "other", "some_future_reason", DEAUTHORIZED_REASON)),
    current_deadline: fc.option(fc.integer({ min: 1_700_000_000, max: 1_900_000_000 })),
    errors: fc.constant<ConnectRequirements["errors"]>([]),
  });
  const account = fc.record({ detailsSubmitted: fc.boolean(), payoutsEnabled: fc.boolean(), transfersCapability: fc.constantFrom("active", "inactive", "pending", "unrequested") });

  it("every due field is listed once by its label, at its most urgent due, and labels never repeat", () => {
    fc.assert(
      fc.property(account, requirements, (a, req) => {
        const view = describePayoutAccount(row(a, req), stripe);
        const labels = view.requirements.map((r) => r.label);
        expect(new Set(labels).size).toBe(labels.length);
        const urgency = ["past_due", "currently_due", "pending_verification", "eventually_due"] as const;
        for (const due of urgency) {
          for (const f of req[due]) {
            const listed = view.requirements.find((r) => r.label === requirementLabel(f));
            expect(listed).toBeDefined();
            expect(urgency.indexOf(listed!.due)).toBeLessThanOrEqual(urgency.indexOf(due));
          }
        }
        expect(labels.every((l) => l.length > 0)).toBe(true);
      }),
    );
  });

  it("enabled only when payouts can be sent and nothing is due now; tax needed whenever a tax field is due", () => {
    fc.assert(
      fc.property(account, requirements, (a, req) => {
        const view = describePayoutAccount(row(a, req), stripe);
        if (view.state === "enabled") {
          expect(view.can_receive_payouts).toBe(true);
          expect(req.currently_due.length + req.past_due.length).toBe(0);
          expect(view.disabled_reason).toBeNull();
        }
        expect(view.can_receive_payouts).toBe(a.payoutsEnabled && a.transfersCapability === "active");
        if ([...req.past_due, ...req.currently_due, ...req.eventually_due].some(isTaxRequirement)) expect(view.tax.status).toBe("needed");
        if (!a.detailsSubmitted && req.disabled_reason !== DEAUTHORIZED_REASON) expect(view.state).toBe("onboarding");
      }),
    );
  });
});

describe("requirement labels", () => {
  it("names the common Express fields", () => {
    expect(requirementLabel("external_account")).toBe("Bank account for payouts");
    expect(requirementLabel("individual.ssn_last_4")).toBe("Social Security number (for tax reporting)");
    expect(requirementLabel("individual.id_number")).toBe("Social Security number (for tax reporting)");
    expect(requirementLabel("tos_acceptance.date")).toBe("Accept Stripe's terms of service");
    expect(requirementLabel("tos_acceptance.ip")).toBe("Accept Stripe's terms of service");
    expect(requirementLabel("individual.verification.document")).toBe("Identity document");
    expect(requirementLabel("company.tax_id")).toBe("Company tax ID (EIN)");
    expect(requirementLabel("business_profile.mcc")).toBe("Business details");
    expect(requirementLabel("business_profile.url")).toBe("Business details");
    expect(requirementLabel("individual.address.postal_code")).toBe("Home address");
    expect(requirementLabel("company.address.city")).toBe("Company address");
    expect(requirementLabel("person_1AbC.first_name")).toBe("Details of a company owner or representative");
  });

  it("humanizes what it does not know", () => {
    expect(requirementLabel("individual.political_exposure")).toBe("Whether you hold a public office");
    expect(requirementLabel("some_new.thing_stripe_wants")).toBe("Some new thing stripe wants");
    expect(humanize("..")).toBe("Information Stripe needs");
  });

  it("tax fields are the SSN / ID number / EIN ones, for a person too", () => {
    expect(["individual.ssn_last_4", "individual.id_number", "company.tax_id", "person_9x.id_number"].every(isTaxRequirement)).toBe(true);
    expect(["external_account", "individual.dob.day", "company.name", "person_9x.first_name"].some(isTaxRequirement)).toBe(false);
  });

  it("disabled reasons in words, unknown ones included", () => {
    expect(disabledReasonLabel("under_review")).toMatch(/reviewing/);
    expect(disabledReasonLabel("rejected.something_new")).toBe("Stripe rejected this account. Contact support.");
    expect(disabledReasonLabel("paused_for_reasons")).toBe("Stripe has disabled this account (paused for reasons).");
  });
});
