"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatUsd } from "@/lib/money";
import type { AutoTopUpSettingsView } from "@/server/billing/auto-top-up/get-auto-top-up-settings";
import { formatDateTime } from "../format";
import { errorMessage } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { Field } from "../ui/input";
import { checkUsdAmount, nanosToUsdField } from "./usd-amount";

/**
 * Auto top-up: when available credit falls below the threshold, the card saved by a paid Checkout is charged
 * the amount, one attempt at a time. A decline or a bank asking for 3-D Secure turns it off; the reason is
 * shown first, in the team lead's face, until they turn it on again.
 */
export function AutoTopUpForm({ settings, min_nanos, max_nanos, canManage }: { settings: AutoTopUpSettingsView; min_nanos: bigint; max_nanos: bigint; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const save = useMutation(trpc.billing.setAutoTopUp.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.billing.overview.queryKey() }) }));
  const [enabled, setEnabled] = useState(settings.enabled);
  const [threshold, setThreshold] = useState(nanosToUsdField(settings.threshold_nanos));
  const [amount, setAmount] = useState(nanosToUsdField(settings.amount_nanos));
  const [invalid, setInvalid] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const t = checkUsdAmount(threshold, { max_nanos });
    if (!t.ok) return setInvalid(`Threshold: ${t.message}`);
    const a = checkUsdAmount(amount, { min_nanos, max_nanos });
    if (!a.ok) return setInvalid(`Amount: ${a.message}`);
    setInvalid(null);
    try {
      await save.mutateAsync({ enabled, threshold_usd: t.text, amount_usd: a.text });
      setSaved(true);
    } catch {
      // Shown from the mutation's error below.
    }
  }

  const error = invalid ?? (save.error ? errorMessage(save.error) : null);
  const last = settings.last_attempt;
  return (
    <Card data-testid="auto-top-up">
      <CardHeader
        title="Auto top-up"
        description="Charge your saved card automatically when available credit falls below a threshold, so requests never stop for lack of credit."
        actions={<span data-testid="auto-top-up-state">{settings.enabled ? "On" : "Off"}</span>}
      />
      <CardBody className="space-y-3">
        {settings.disabled_reason ? (
          <Alert tone="error" data-testid="auto-top-up-disabled-reason">
            <p className="font-semibold">Auto top-up turned itself off{settings.disabled_at ? ` on ${formatDateTime(settings.disabled_at)}` : ""}.</p>
            <p>{settings.disabled_reason}</p>
          </Alert>
        ) : null}
        <p className="text-sm text-slate-700" data-testid="auto-top-up-card">
          {settings.card ? `Saved card: ${settings.card.brand} ending ${settings.card.last4}.` : settings.has_payment_method ? "A card is saved." : "No saved card yet: pay one top-up by card and its card is saved for auto top-up."}
          {last ? ` Last auto top-up: ${formatUsd(last.amount_nanos)}, ${last.status}${last.failure_reason ? ` (${last.failure_reason})` : ""}, ${formatDateTime(last.at)}.` : ""}
        </p>
        <form onSubmit={(e) => void onSubmit(e)} className="flex flex-wrap items-end gap-3" noValidate>
          <label className="flex h-10 items-center gap-2 text-sm font-medium text-slate-800">
            <input type="checkbox" checked={enabled} disabled={!canManage} onChange={(e) => setEnabled(e.target.checked)} className="h-4 w-4" data-testid="auto-top-up-enabled" />
            Enabled
          </label>
          <div className="w-48">
            <Field id="auto-top-up-threshold" label="When available is below (USD)" inputMode="decimal" value={threshold} disabled={!canManage} onChange={(e) => setThreshold(e.target.value)} data-testid="auto-top-up-threshold" />
          </div>
          <div className="w-48">
            <Field
              id="auto-top-up-amount"
              label="Add (USD)"
              inputMode="decimal"
              value={amount}
              disabled={!canManage}
              onChange={(e) => setAmount(e.target.value)}
              hint={`${formatUsd(min_nanos)} to ${formatUsd(max_nanos)}`}
              data-testid="auto-top-up-amount"
            />
          </div>
          {canManage ? (
            <Button type="submit" disabled={save.isPending} data-testid="auto-top-up-save">
              {save.isPending ? "Saving…" : "Save"}
            </Button>
          ) : null}
        </form>
        {error ? (
          <Alert tone="error" data-testid="auto-top-up-error">
            {error}
          </Alert>
        ) : saved ? (
          <Alert data-testid="auto-top-up-saved">Saved. Auto top-up is {enabled ? "on" : "off"}.</Alert>
        ) : null}
      </CardBody>
    </Card>
  );
}
