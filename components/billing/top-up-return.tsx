"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { formatUsd } from "@/lib/money";
import type { TopUpView } from "@/server/billing/top-ups/list-top-ups";
import { errorMessage } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";

/**
 * Back from Checkout. `?session_id=` (the success URL): the session is fulfilled at once, by the same
 * function the webhooks call, so the credit shows without waiting for them (and is never counted twice).
 * `?cancelled=1`: the buyer left Checkout without paying.
 */
export function TopUpReturn({ sessionId, cancelled, topUps }: { sessionId: string | null; cancelled: boolean; topUps: TopUpView[] | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useMutation(
    trpc.billing.confirmTopUp.mutationOptions({
      onSettled: () => {
        for (const key of [trpc.billing.overview.queryKey(), trpc.billing.topUps.queryKey(), trpc.billing.balanceLines.pathKey()]) void queryClient.invalidateQueries({ queryKey: key });
      },
    }),
  );
  // Once per landing (React runs effects twice in development); confirming again would be harmless, only noisy.
  const started = useRef(false);
  const { mutate } = confirm;
  useEffect(() => {
    if (!sessionId || started.current) return;
    started.current = true;
    mutate({ session_id: sessionId });
  }, [sessionId, mutate]);

  if (cancelled && !sessionId) {
    return (
      <Alert tone="warning" data-testid="top-up-result" data-status="cancelled">
        Top-up cancelled: nothing was charged.
      </Alert>
    );
  }
  if (!sessionId) return null;
  if (confirm.error) {
    return (
      <Alert tone="error" data-testid="top-up-result" data-status="error">
        We could not confirm this payment: {errorMessage(confirm.error)}
      </Alert>
    );
  }
  if (!confirm.isSuccess) {
    return (
      <Alert data-testid="top-up-result" data-status="confirming">
        Confirming your payment with Stripe…
      </Alert>
    );
  }
  if (!confirm.data) {
    return (
      <Alert tone="error" data-testid="top-up-result" data-status="error">
        This payment is not a top-up of this organization.
      </Alert>
    );
  }
  const topUp = topUps?.find((t) => t.id === confirm.data?.topUpId);
  const amount = topUp ? formatUsd(topUp.amount_nanos) : "";
  // The list refreshes on its own: a payment still processing at landing turns into "received" here.
  const status = topUp?.status ?? confirm.data.status;
  switch (status) {
    case "paid":
      return (
        <Alert data-testid="top-up-result" data-status="paid">
          Payment received: {amount || "the credit was"} added to your balance.
        </Alert>
      );
    case "pending":
      return (
        <Alert tone="warning" data-testid="top-up-result" data-status="pending">
          Payment processing{amount ? ` (${amount})` : ""}: the credit lands as soon as your bank confirms it. This page updates by itself.
        </Alert>
      );
    default:
      return (
        <Alert tone="error" data-testid="top-up-result" data-status={status}>
          The payment {status === "expired" ? "expired" : "failed"}
          {topUp?.failure_reason ? `: ${topUp.failure_reason}` : ""}. Nothing was added; you can try again.
        </Alert>
      );
  }
}
