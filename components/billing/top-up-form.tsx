"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatUsd } from "@/lib/money";
import { errorMessage } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { Field } from "../ui/input";
import { checkUsdAmount } from "./usd-amount";

/**
 * Buy prepaid credit: the amount is chosen here (Checkout's inline price has no customer-chosen amount) and
 * paid on Stripe's hosted Checkout page; the browser comes back to this page with the session id.
 */
export function TopUpForm({ min_nanos, max_nanos }: { min_nanos: bigint; max_nanos: bigint }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.billing.createTopUp.mutationOptions());
  const [amount, setAmount] = useState("20");
  const [invalid, setInvalid] = useState<string | null>(null);
  const [redirecting, setRedirecting] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const check = checkUsdAmount(amount, { min_nanos, max_nanos });
    if (!check.ok) return setInvalid(check.message);
    setInvalid(null);
    try {
      const { checkout_url } = await create.mutateAsync({ amount_usd: check.text });
      setRedirecting(true);
      window.location.assign(checkout_url);
    } catch {
      // Shown from the mutation's error below.
    }
  }

  const error = invalid ?? (create.error ? errorMessage(create.error) : null);
  return (
    <Card data-testid="top-up">
      <CardHeader title="Add credit" description="Pay by card on Stripe's Checkout page. The credit lands as soon as Stripe confirms the payment." />
      <CardBody className="space-y-3">
        <form onSubmit={(e) => void onSubmit(e)} className="flex flex-wrap items-end gap-3" noValidate>
          <div className="w-56">
            <Field
              id="top-up-amount"
              label="Amount (USD)"
              inputMode="decimal"
              value={amount}
              onChange={(e) => {
                setAmount(e.target.value);
                setInvalid(null);
              }}
              hint={`From ${formatUsd(min_nanos)} to ${formatUsd(max_nanos)}, in whole cents.`}
              aria-invalid={invalid ? true : undefined}
              data-testid="top-up-amount"
            />
          </div>
          <Button type="submit" disabled={create.isPending || redirecting} data-testid="top-up-submit">
            {redirecting ? "Opening Checkout…" : create.isPending ? "Starting…" : "Top up with Stripe"}
          </Button>
        </form>
        {error ? (
          <Alert tone="error" data-testid="top-up-error">
            {error}
          </Alert>
        ) : null}
      </CardBody>
    </Card>
  );
}
