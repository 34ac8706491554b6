"use client";

import { useMutation } from "@tanstack/react-query";
import type { PayoutAccountView } from "@/server/billing/connect/types";
import { errorMessage } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Badge, type BadgeTone } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { formatDateTimeZone } from "./payout-view";

const STATE: Record<PayoutAccountView["state"], { label: string; tone: BadgeTone; description: string }> = {
  not_started: { label: "Not set up", tone: "neutral", description: "Set up payouts to receive your earnings in your bank account. Stripe collects your details; we never see your bank or tax numbers." },
  onboarding: { label: "Onboarding", tone: "amber", description: "You started onboarding with Stripe but have not submitted your details yet." },
  action_required: { label: "Action required", tone: "red", description: "Stripe needs more information before it can pay you." },
  pending_verification: { label: "Being verified", tone: "blue", description: "Stripe is verifying what you sent. Nothing to do for now." },
  enabled: { label: "Payouts enabled", tone: "green", description: "Stripe can pay you: your payable earnings are sent at each payout run." },
};

const DUE_LABEL: Record<PayoutAccountView["requirements"][number]["due"], string> = {
  past_due: "Past due",
  currently_due: "Due now",
  eventually_due: "Needed later",
  pending_verification: "Being verified",
};

const TAX_TONE: Record<PayoutAccountView["tax"]["status"], BadgeTone> = { not_started: "neutral", needed: "amber", pending_verification: "blue", on_file: "green" };

/** The connected account: its state, what Stripe still needs (in words, with the deadline), tax information, and the links into Stripe. */
export function PayoutAccountCard({ account, canAct, syncing }: { account: PayoutAccountView | undefined; canAct: boolean; syncing: boolean }) {
  const trpc = useTRPC();
  // Stripe's links are single-use and expire in minutes: a fresh one per click, and the browser goes there at once.
  const goTo = ({ url }: { url: string }) => window.location.assign(url);
  const onboard = useMutation(trpc.payouts.startOnboarding.mutationOptions({ onSuccess: goTo }));
  const dashboard = useMutation(trpc.payouts.expressDashboardLink.mutationOptions({ onSuccess: goTo }));
  const startOnboarding = () => onboard.mutate();
  const openDashboard = () => dashboard.mutate();
  const state = account ? STATE[account.state] : null;
  const busy = onboard.isPending || onboard.isSuccess;

  return (
    <Card data-testid="payout-account" data-state={account?.state} aria-busy={!account || syncing}>
      <CardHeader
        title="Payout account"
        description={account && !account.stripe_configured ? "Payouts are not configured on this marketplace." : (state?.description ?? "Loading…")}
        actions={
          state && account?.stripe_configured ? (
            <Badge tone={state.tone} data-testid="payout-account-state">
              {state.label}
            </Badge>
          ) : null
        }
      />
      <CardBody className="space-y-4">
        {account && !account.stripe_configured ? (
          <Alert tone="warning" data-testid="payouts-not-configured">
            Payouts are not configured on this marketplace (no Stripe keys): your earnings are recorded in the ledger below, but nothing is paid out.
          </Alert>
        ) : null}
        {syncing ? <Alert data-testid="payout-account-syncing">Checking your account with Stripe…</Alert> : null}
        {account?.disabled_reason ? (
          <Alert tone="error" data-testid="payout-disabled-reason">
            Stripe has paused payouts to this account: {account.disabled_reason}
          </Alert>
        ) : null}
        {account && account.requirements.length > 0 ? (
          <div>
            <h3 className="text-sm font-medium text-slate-900">
              What Stripe still needs
              {account.deadline ? (
                <span className="font-normal text-slate-600" data-testid="payout-requirements-deadline">
                  {" "}
                  — by {formatDateTimeZone(account.deadline)}
                </span>
              ) : null}
            </h3>
            <ul className="mt-2 space-y-1 text-sm text-slate-800" data-testid="payout-requirements">
              {account.requirements.map((r) => (
                <li key={`${r.due}:${r.field}`} className="flex items-center gap-2" data-field={r.field} data-due={r.due}>
                  <Badge tone={r.due === "past_due" ? "red" : r.due === "currently_due" ? "amber" : r.due === "pending_verification" ? "blue" : "neutral"}>{DUE_LABEL[r.due]}</Badge>
                  {r.label}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {account?.stripe_configured ? (
          <div className="text-sm text-slate-700" data-testid="payout-tax" data-status={account.tax.status}>
            <span className="font-medium text-slate-900">Tax information: </span>
            <Badge tone={TAX_TONE[account.tax.status]} data-testid="payout-tax-status">
              {account.tax.label}
            </Badge>
            <p className="mt-1 text-xs text-slate-600">
              The platform pays Stripe&apos;s fees, so the platform — not Stripe, and not you — files 1099 forms for US providers, from the tax information Stripe collects during onboarding. We make no tax forms of our own.
            </p>
          </div>
        ) : null}
        {account?.stripe_configured && canAct ? (
          <div className="flex flex-wrap gap-2">
            {account.state === "not_started" ? (
              <Button onClick={startOnboarding} disabled={busy} data-testid="setup-payouts">
                {busy ? "Opening Stripe…" : "Set up payouts"}
              </Button>
            ) : null}
            {account.state === "onboarding" || account.state === "action_required" || (account.state !== "not_started" && account.requirements.some((r) => r.due === "currently_due" || r.due === "past_due")) ? (
              <Button onClick={startOnboarding} disabled={busy} data-testid="continue-onboarding">
                {busy ? "Opening Stripe…" : "Continue onboarding"}
              </Button>
            ) : null}
            {account.details_submitted ? (
              <Button variant="secondary" onClick={openDashboard} disabled={dashboard.isPending || dashboard.isSuccess} data-testid="express-dashboard">
                {dashboard.isPending || dashboard.isSuccess ? "Opening Stripe…" : "Open Stripe Express dashboard"}
              </Button>
            ) : null}
          </div>
        ) : null}
        {account?.stripe_configured && !canAct ? <p className="text-xs text-slate-500">Members with the provider role set up and manage payouts.</p> : null}
        {onboard.error ? <Alert tone="error">Could not open Stripe onboarding: {errorMessage(onboard.error)}</Alert> : null}
        {dashboard.error ? <Alert tone="error">Could not open the Stripe Express dashboard: {errorMessage(dashboard.error)}</Alert> : null}
      </CardBody>
    </Card>
  );
}
