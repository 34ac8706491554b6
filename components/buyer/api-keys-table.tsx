"use client";

import { Fragment, useState } from "react";
import { formatUsd } from "@/lib/money";
import type { ApiKeySummary } from "@/server/buyers/list-api-keys";
import { formatDateTime, formatInt } from "../format";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm-button";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";
import { ApiKeySettingsPanel } from "./api-key-settings-panel";
import { summarizeRoutingDefaults } from "./api-key-settings-values";

const COLUMNS = 7;

function LimitsCell({ apiKey }: { apiKey: ApiKeySummary }) {
  const limits = [
    apiKey.rate_limit_per_minute !== null ? `${formatInt(apiKey.rate_limit_per_minute)} req/min` : null,
    apiKey.concurrency_limit !== null ? `${formatInt(apiKey.concurrency_limit)} concurrent` : null,
  ].filter(Boolean);
  const routing = summarizeRoutingDefaults(apiKey.routing_defaults);
  return (
    <div className="space-y-0.5 text-xs" data-testid="key-limits-summary">
      <div className={limits.length ? "text-slate-800" : "text-slate-500"}>{limits.length ? limits.join(" · ") : "No rate limits"}</div>
      {routing ? (
        <div className="text-slate-600" title="Routing defaults">
          Routing: {routing}
        </div>
      ) : null}
    </div>
  );
}

/** This month's spend, against the limit when there is one (a bar that turns amber at 80%, red at 100%). */
function SpendCell({ apiKey }: { apiKey: ApiKeySummary }) {
  const limit = apiKey.monthly_spend_limit_nanos;
  const spent = apiKey.month_spend_nanos;
  const pct = limit === null ? null : limit === 0n ? 100 : Number((spent * 1000n) / limit) / 10;
  const bar = pct === null ? "" : pct >= 100 ? "bg-red-500" : pct >= 80 ? "bg-amber-500" : "bg-emerald-500";
  return (
    <div className="min-w-28">
      <div className="font-medium tabular-nums" data-testid="key-month-spend" data-spend-nanos={spent.toString()}>
        {formatUsd(spent)}
      </div>
      {limit === null ? (
        <div className="text-xs text-slate-500">no limit</div>
      ) : (
        <>
          <div className="text-xs text-slate-600" data-testid="key-spend-limit-summary">
            of {formatUsd(limit)} limit
          </div>
          <div className="mt-1 h-1.5 w-full overflow-hidden rounded bg-slate-200" role="progressbar" aria-label="Share of monthly spend limit used" aria-valuenow={Math.min(100, Math.round(pct!))} aria-valuemin={0} aria-valuemax={100}>
            <div className={`h-full ${bar}`} style={{ width: `${Math.min(100, pct!)}%` }} />
          </div>
        </>
      )}
    </div>
  );
}

export function ApiKeysTable({ keys, revokingId, onRevoke }: { keys: ApiKeySummary[] | undefined; revokingId: string | null; onRevoke: (id: string) => void }) {
  const [settingsFor, setSettingsFor] = useState<string | null>(null);
  return (
    <Table data-testid="api-keys-table">
      <THead>
        <Tr>
          <Th>Name</Th>
          <Th>Key</Th>
          <Th>Created</Th>
          <Th>Status</Th>
          <Th>Limits &amp; routing</Th>
          <Th>Spend this month (UTC)</Th>
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        </Tr>
      </THead>
      <TBody>
        {!keys ? (
          <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
        ) : keys.length === 0 ? (
          <EmptyRow colSpan={COLUMNS}>No API keys yet.</EmptyRow>
        ) : (
          keys.map((key) => {
            const open = settingsFor === key.id && key.status === "active";
            return (
              <Fragment key={key.id}>
                <Tr data-testid="api-key-row" data-key-id={key.id} data-key-prefix={key.key_prefix}>
                  <Td className="font-medium">{key.name}</Td>
                  <Td className="font-mono text-xs">{key.key_prefix}…</Td>
                  <Td className="whitespace-nowrap text-slate-600">{formatDateTime(key.created_at)}</Td>
                  <Td>
                    <Badge tone={key.status === "active" ? "green" : "neutral"} data-testid="api-key-status">
                      {key.status === "active" ? "active" : "revoked"}
                    </Badge>
                    {key.revoked_at ? <div className="mt-1 text-xs text-slate-500">{formatDateTime(key.revoked_at)}</div> : null}
                  </Td>
                  <Td>
                    <LimitsCell apiKey={key} />
                  </Td>
                  <Td>
                    <SpendCell apiKey={key} />
                  </Td>
                  <Td className="text-right">
                    {key.status === "active" ? (
                      <span className="inline-flex justify-end gap-2 whitespace-nowrap">
                        <Button
                          variant="secondary"
                          size="sm"
                          aria-expanded={open}
                          aria-controls={`key-settings-${key.id}`}
                          onClick={() => setSettingsFor(open ? null : key.id)}
                          data-testid="key-settings-open"
                        >
                          {open ? "Hide settings" : "Settings"}
                        </Button>
                        <ConfirmButton label="Revoke" confirmLabel="Revoke key" testId="revoke-key" pending={revokingId === key.id} onConfirm={() => onRevoke(key.id)} />
                      </span>
                    ) : null}
                  </Td>
                </Tr>
                {open ? (
                  <tr id={`key-settings-${key.id}`} data-testid="key-settings-row" data-key-id={key.id}>
                    <td colSpan={COLUMNS} className="px-3 pb-4">
                      <ApiKeySettingsPanel apiKey={key} onClose={() => setSettingsFor(null)} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })
        )}
      </TBody>
    </Table>
  );
}
