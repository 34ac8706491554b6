"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { errorMessage, QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { EarningsChart } from "./earnings-chart";
import { PayoutAccountCard } from "./payout-account-card";
import { PayoutBalancesCard } from "./payout-balances-card";
import { PayoutHistory } from "./payout-history";
import { StatementCard } from "./statement-card";

const REFRESH_MS = 5_000;

/** Drops `?onboarding=…` so a reload does not re-run the landing (a second sync is harmless, a second link is a wasted one). */
function forgetOnboardingParam(): void {
  const url = new URL(window.location.href);
  url.searchParams.delete("onboarding");
  window.history.replaceState(null, "", url.pathname + url.search + url.hash);
}

/**
 * The Payouts page's body. `onboarding` is where Stripe sent the provider back: `return` (finished or left onboarding:
 * re-read the account now, before the account.updated webhook lands) or `refresh` (the link was used or expired:
 * Stripe's links are single-use, so ask for a fresh one and go straight back).
 */
export function PayoutsDashboard({ canAct, onboarding }: { canAct: boolean; onboarding: "return" | "refresh" | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const account = useQuery(trpc.payouts.account.queryOptions(undefined, { refetchInterval: REFRESH_MS * 2 }));
  const balances = useQuery(trpc.payouts.balances.queryOptions(undefined, { refetchInterval: REFRESH_MS }));
  const configured = account.data?.stripe_configured === true;

  const sync = useMutation(
    trpc.payouts.syncAccount.mutationOptions({
      onSuccess: (view) => {
        queryClient.setQueryData(trpc.payouts.account.queryKey(), view);
        void queryClient.invalidateQueries({ queryKey: trpc.payouts.balances.queryKey() });
      },
      onSettled: forgetOnboardingParam,
    }),
  );
  const refresh = useMutation(trpc.payouts.startOnboarding.mutationOptions({ onSuccess: ({ url }) => window.location.assign(url) }));
  // Once per landing (React runs effects twice in development).
  const landed = useRef(false);
  const { mutate: syncNow } = sync;
  const { mutate: freshLink } = refresh;
  useEffect(() => {
    if (!canAct || !onboarding || landed.current) return;
    landed.current = true;
    if (onboarding === "return") syncNow();
    else freshLink();
  }, [canAct, onboarding, syncNow, freshLink]);

  return (
    <div className="space-y-6">
      {account.error ? <QueryError error={account.error} /> : null}
      {balances.error ? <QueryError error={balances.error} /> : null}
      {sync.error ? <Alert tone="error">Could not check your account with Stripe: {errorMessage(sync.error)}</Alert> : null}
      {refresh.isPending || refresh.isSuccess ? <Alert data-testid="onboarding-refresh">That onboarding link has expired: opening a fresh one…</Alert> : null}
      {refresh.error ? <Alert tone="error">Could not open Stripe onboarding again: {errorMessage(refresh.error)}</Alert> : null}
      <PayoutAccountCard account={account.data} canAct={canAct} syncing={sync.isPending} />
      <PayoutBalancesCard balances={balances.data} canAct={canAct} />
      <EarningsChart />
      {configured ? <PayoutHistory /> : null}
      <StatementCard />
    </div>
  );
}
