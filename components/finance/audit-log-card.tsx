"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { AuditAction } from "../../server/finance/audit/actions";
import { formatDateTimeZone } from "../payouts/payout-view";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { Select } from "../ui/select";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

const PAGE_SIZE = 25;
const COLUMNS = 5;

/** Labels for server/finance/audit/actions.ts AUDIT_ACTIONS (a Record, so a new action fails the type check until labelled). */
export const AUDIT_ACTION_LABEL: Record<AuditAction, string> = {
  export: "Export downloaded",
  "period.close": "Month closed",
  "reconciliation.run": "Reconciliation run",
  "payouts.run": "Payout run started",
  "billing.terms": "Billing terms set",
  "billing.refund": "Top-up refunded",
  "settlements.replay": "Settlements replayed",
  "stripe_events.retry": "Stripe events retried",
  "settings.platform_fee": "Platform fee changed",
  "settings.payout_policy": "Payout policy changed",
};
const ACTIONS = Object.keys(AUDIT_ACTION_LABEL) as AuditAction[];

/** Details as short "key: value" text (amounts in audit details are decimal strings already). */
function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}

type Cursor = { at: Date; id: string };

/** Finance actions, newest first: who, when (with the time zone it is shown in), what, on what. Paged by (at, id). */
export function AuditLogCard() {
  const trpc = useTRPC();
  const [action, setAction] = useState<AuditAction | "">("");
  // The cursors of the pages before this one, so "Newer" can go back without the server paging backwards.
  const [cursors, setCursors] = useState<(Cursor | undefined)[]>([undefined]);
  const before = cursors.at(-1);
  const entries = useQuery(trpc.finance.audit.queryOptions({ limit: PAGE_SIZE, action: action || undefined, before }, { placeholderData: keepPreviousData, refetchInterval: before ? false : 15_000 }));
  const rows = entries.data ?? [];
  const last = rows.at(-1);

  return (
    <Card data-testid="audit-log">
      <CardHeader
        title="Audit log"
        description="Every finance action: exports, closes, reconciliations, payout runs, billing and settings changes."
        actions={
          <div className="flex items-center gap-2">
            <label htmlFor="audit-action" className="sr-only">
              Action
            </label>
            <Select
              id="audit-action"
              value={action}
              onChange={(e) => {
                setAction(e.target.value as AuditAction | "");
                setCursors([undefined]);
              }}
              className="h-8 w-56"
            >
              <option value="">All actions</option>
              {ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {AUDIT_ACTION_LABEL[a]}
                </option>
              ))}
            </Select>
          </div>
        }
      />
      <CardBody className="space-y-3">
        {entries.error ? <QueryError error={entries.error} /> : null}
        <Table>
          <THead>
            <Tr>
              <Th>When</Th>
              <Th>Who</Th>
              <Th>What</Th>
              <Th>Subject</Th>
              <Th>Details</Th>
            </Tr>
          </THead>
          <TBody>
            {!entries.data ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : rows.length === 0 ? (
              <EmptyRow colSpan={COLUMNS}>{before ? "No older entries." : "No finance actions recorded yet."}</EmptyRow>
            ) : (
              rows.map((e) => (
                <Tr key={e.id} data-testid="audit-entry" data-action={e.action}>
                  <Td className="text-xs whitespace-nowrap">{formatDateTimeZone(e.at)}</Td>
                  <Td className="text-xs">{e.actor_email ?? "System"}</Td>
                  <Td>{AUDIT_ACTION_LABEL[e.action] ?? e.action}</Td>
                  <Td className="font-mono text-xs">{e.subject ?? "—"}</Td>
                  <Td className="max-w-md text-xs break-words text-slate-600">{detailsText(e.details)}</Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" size="sm" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </Button>
          <Button variant="secondary" size="sm" disabled={!last || rows.length < PAGE_SIZE} onClick={() => last && setCursors((c) => [...c, { at: last.at, id: last.id }])} data-testid="audit-older">
            Older →
          </Button>
        </div>
      </CardBody>
    </Card>
  );
}
