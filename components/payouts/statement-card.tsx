"use client";

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatUsd } from "@/lib/money";
import type { StatementLine } from "@/server/billing/payouts/statement";
import { errorMessage, QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { Select } from "../ui/select";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";
import { formatUtcDay, monthLabel, recentMonths } from "./payout-view";

const MONTHS_SHOWN = 24;
const COLUMNS = 5;

export const STATEMENT_KIND_LABEL: Record<StatementLine["kind"], string> = {
  earnings: "Earnings",
  clawback: "Clawback (buyer refund or dispute)",
  clawback_release: "Clawback released (dispute won)",
  payout: "Payout",
  payout_failure: "Payout failed: returned",
  payout_reversal: "Payout reversed: returned",
  other: "Other adjustment",
};
const KINDS = Object.keys(STATEMENT_KIND_LABEL) as StatementLine["kind"][];

function Money({ nanos, testId, strong }: { nanos: bigint; testId?: string; strong?: boolean }) {
  return (
    <span className={strong ? "font-semibold tabular-nums" : "tabular-nums"} data-testid={testId} data-nanos={nanos.toString()}>
      {formatUsd(nanos)}
    </span>
  );
}

/** The CSV as a file download, from memory (no second request a proxy could cache). */
function saveFile(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // After the click has been handled: revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** One UTC month: opening balance, every line (earnings per day, model and machine; payouts and clawbacks per entry), totals, closing; CSV. */
export function StatementCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [months] = useState(() => recentMonths(new Date(), MONTHS_SHOWN));
  const [month, setMonth] = useState(months[0]!);
  const statement = useQuery(trpc.payouts.statement.queryOptions({ month }, { refetchInterval: month === months[0] ? 15_000 : false, placeholderData: keepPreviousData }));
  const [download, setDownload] = useState<{ pending: boolean; error: string | null }>({ pending: false, error: null });
  const s = statement.data;

  async function downloadCsv() {
    setDownload({ pending: true, error: null });
    try {
      // Always fresh: the file must match the ledger now, not a cached answer.
      const { filename, csv } = await queryClient.fetchQuery({ ...trpc.payouts.statementCsv.queryOptions({ month }), staleTime: 0 });
      saveFile(filename, csv);
      setDownload({ pending: false, error: null });
    } catch (err) {
      setDownload({ pending: false, error: errorMessage(err) });
    }
  }

  return (
    <Card data-testid="statement">
      <CardHeader
        title="Monthly statement"
        description="Every change to what the platform owes you in one UTC month. Opening + lines = closing, exactly as in the ledger."
        actions={
          <div className="flex items-center gap-2">
            <label htmlFor="statement-month" className="sr-only">
              Month
            </label>
            <Select id="statement-month" value={month} onChange={(e) => setMonth(e.target.value)} className="w-44" data-testid="statement-month">
              {months.map((m) => (
                <option key={m} value={m}>
                  {monthLabel(m)}
                </option>
              ))}
            </Select>
            <Button variant="secondary" onClick={() => void downloadCsv()} disabled={download.pending} data-testid="statement-download">
              {download.pending ? "Preparing…" : "Download CSV"}
            </Button>
          </div>
        }
      />
      <CardBody className="space-y-4">
        {statement.error ? <QueryError error={statement.error} /> : null}
        {download.error ? <Alert tone="error">Could not download the statement: {download.error}</Alert> : null}
        {s ? (
          <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4" data-testid="statement-summary" data-month={s.month}>
            <div>
              <dt className="text-xs tracking-wide text-slate-500 uppercase">Opening balance</dt>
              <dd className="mt-1 text-lg">
                <Money nanos={s.opening_balance_nanos} testId="statement-opening" />
              </dd>
            </div>
            <div>
              <dt className="text-xs tracking-wide text-slate-500 uppercase">Closing balance</dt>
              <dd className="mt-1 text-lg">
                <Money nanos={s.closing_balance_nanos} testId="statement-closing" strong />
              </dd>
            </div>
            <div>
              <dt className="text-xs tracking-wide text-slate-500 uppercase">Earned</dt>
              <dd className="mt-1 text-lg">
                <Money nanos={s.totals.earnings} testId="statement-earned" />
              </dd>
            </div>
            <div>
              <dt className="text-xs tracking-wide text-slate-500 uppercase">Sent to your Stripe balance</dt>
              <dd className="mt-1 text-lg">
                <Money nanos={s.transferred_nanos} testId="statement-transferred" />
              </dd>
            </div>
          </dl>
        ) : null}
        <Table data-testid="statement-lines">
          <THead>
            <Tr>
              <Th>Day (UTC)</Th>
              <Th>What</Th>
              <Th>Model · machine / reference</Th>
              <Th numeric>Requests</Th>
              <Th numeric>Amount</Th>
            </Tr>
          </THead>
          <TBody>
            {!s ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : s.lines.length === 0 ? (
              <EmptyRow colSpan={COLUMNS}>Nothing happened in {monthLabel(s.month)}.</EmptyRow>
            ) : (
              s.lines.map((l, i) => (
                <Tr key={`${l.day.toISOString()}:${l.kind}:${l.reference ?? ""}:${l.model_id ?? ""}:${l.machine_id ?? ""}:${i}`} data-testid="statement-line" data-kind={l.kind} data-nanos={l.amount_nanos.toString()}>
                  <Td className="whitespace-nowrap">{formatUtcDay(l.day)}</Td>
                  <Td>
                    <div>{STATEMENT_KIND_LABEL[l.kind]}</div>
                    {l.description && l.description !== STATEMENT_KIND_LABEL[l.kind] ? <div className="text-xs text-slate-500">{l.description}</div> : null}
                  </Td>
                  <Td className="font-mono text-xs text-slate-600">{[l.model_id, l.machine_label ?? l.machine_id, l.reference, l.stripe_transfer_id, l.stripe_reversal_id].filter(Boolean).join(" · ") || "—"}</Td>
                  <Td numeric>{l.kind === "earnings" ? l.requests : ""}</Td>
                  <Td numeric>
                    <Money nanos={l.amount_nanos} />
                  </Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
        {s ? (
          <table className="ml-auto text-sm" data-testid="statement-totals">
            <tbody>
              {KINDS.filter((k) => s.totals[k] !== 0n || k === "earnings" || k === "payout").map((k) => (
                <tr key={k}>
                  <th scope="row" className="pr-6 text-left font-normal text-slate-600">
                    {STATEMENT_KIND_LABEL[k]}
                  </th>
                  <td className="text-right">
                    <Money nanos={s.totals[k]} testId={`statement-total-${k}`} />
                  </td>
                </tr>
              ))}
              <tr className="border-t border-slate-200">
                <th scope="row" className="pt-1 pr-6 text-left font-medium text-slate-900">
                  Change in the month
                </th>
                <td className="pt-1 text-right">
                  <Money nanos={s.closing_balance_nanos - s.opening_balance_nanos} testId="statement-change" strong />
                </td>
              </tr>
            </tbody>
          </table>
        ) : null}
      </CardBody>
    </Card>
  );
}
