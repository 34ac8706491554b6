"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatUsd } from "@/lib/money";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { Field, Label } from "../ui/input";
import { Select } from "../ui/select";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

/**
 * Invoiced organizations: an operator marks one invoiced (postpaid against a credit limit, metered hourly to
 * Stripe and invoiced monthly) or back to prepaid. Below, the meter outbox: stuck rows are never re-sent
 * and need someone to bill them by hand.
 */
export function Invoicing() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const overview = useQuery(trpc.operations.invoicing.queryOptions(undefined, { refetchInterval: 10_000 }));
  const save = useMutation(trpc.operations.setOrganizationBilling.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.operations.invoicing.queryKey() }) }));
  const [organizationId, setOrganizationId] = useState("");
  const [mode, setMode] = useState<"invoiced" | "prepaid">("invoiced");
  const [limitUsd, setLimitUsd] = useState("500");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ organization_id: organizationId.trim(), mode, credit_limit_usd: limitUsd.trim() });
  };
  const data = overview.data;
  const outbox = data?.meter_outbox;
  const stuck = outbox?.by_status.stuck.count ?? 0;
  return (
    <Card>
      <CardHeader
        title="Invoiced organizations"
        description={
          outbox
            ? `Meter outbox: ${outbox.by_status.open.count} open, ${outbox.by_status.sending.count} sending, ${outbox.by_status.delivered.count} delivered, ${stuck} stuck (${formatUsd(outbox.by_status.stuck.value_nanos)}).`
            : "Postpaid usage against a credit limit, metered to Stripe hourly and invoiced monthly."
        }
      />
      <CardBody className="space-y-4">
        {overview.error && <QueryError error={overview.error} />}
        {save.error && <QueryError error={save.error} />}
        {data && !data.invoicing_available && <Alert tone="warning">Invoicing needs Stripe and STRIPE_METERED_PRICE_ID (README, Payments).</Alert>}
        {stuck > 0 && (
          <Alert tone="error" data-testid="meter-outbox-stuck">
            {stuck} meter outbox row{stuck === 1 ? " is" : "s are"} stuck: never re-sent to Stripe. Check each identifier in Stripe&apos;s meter events and bill any difference by hand.
          </Alert>
        )}
        <form onSubmit={submit} className="grid gap-3 sm:grid-cols-4 sm:items-end" data-testid="organization-billing-form">
          <Field id="billing-organization" label="Organization id" value={organizationId} onChange={(e) => setOrganizationId(e.target.value)} placeholder="org_…" required />
          <div className="space-y-1.5">
            <Label htmlFor="billing-mode">Mode</Label>
            <Select id="billing-mode" value={mode} onChange={(e) => setMode(e.target.value === "prepaid" ? "prepaid" : "invoiced")}>
              <option value="invoiced">Invoiced</option>
              <option value="prepaid">Prepaid</option>
            </Select>
          </div>
          <Field id="billing-credit-limit" label="Credit limit (USD)" value={limitUsd} onChange={(e) => setLimitUsd(e.target.value)} inputMode="decimal" required />
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </Button>
        </form>
        <Table data-testid="invoiced-organizations">
          <THead>
            <Tr>
              <Th>Organization</Th>
              <Th>Mode</Th>
              <Th numeric>Credit limit</Th>
              <Th>Standing</Th>
              <Th>Subscription</Th>
            </Tr>
          </THead>
          <TBody>
            {!data || data.organizations.length === 0 ? (
              <EmptyRow colSpan={5}>{data ? "Every organization is prepaid." : "Loading…"}</EmptyRow>
            ) : (
              data.organizations.map((o) => (
                <Tr key={o.organization_id}>
                  <Td>
                    {o.name} <span className="font-mono text-xs text-slate-500">{o.organization_id}</span>
                  </Td>
                  <Td>{o.mode}</Td>
                  <Td numeric>{formatUsd(o.credit_limit_nanos)}</Td>
                  <Td>
                    <Badge tone={o.standing === "good" ? "green" : "red"}>{o.standing === "good" ? "good" : "past due"}</Badge>
                    {o.standing_reason && <p className="mt-1 max-w-md text-xs text-slate-600">{o.standing_reason}</p>}
                  </Td>
                  <Td className="font-mono text-xs">{o.stripe_subscription_id ?? "—"}</Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
        {outbox && outbox.stuck.length > 0 && (
          <Table data-testid="meter-outbox-stuck-rows">
            <THead>
              <Tr>
                <Th>Identifier</Th>
                <Th numeric>Value</Th>
                <Th>First pushed (UTC)</Th>
                <Th>Why</Th>
              </Tr>
            </THead>
            <TBody>
              {outbox.stuck.map((r) => (
                <Tr key={r.id}>
                  <Td className="font-mono text-xs">{r.identifier}</Td>
                  <Td numeric>{formatUsd(r.value_nanos)}</Td>
                  <Td>{r.first_sent_at ? r.first_sent_at.toISOString() : "never"}</Td>
                  <Td className="max-w-md text-xs break-words text-slate-600">{r.last_error}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </CardBody>
    </Card>
  );
}
