"use client";

import { formatUsd } from "../../lib/money";
import type { RollForward, RollForwardSection } from "../../server/finance/roll-forward/types";
import { formatInt } from "../format";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";
import { TBody, THead, Table, Td, Th, Tr } from "../ui/table";
import { rollForwardProblems, sectionDifferenceNanos } from "./finance-view";

function Nanos({ nanos, strong }: { nanos: bigint; strong?: boolean }) {
  return (
    <span className={strong ? "font-semibold tabular-nums" : "tabular-nums"} data-nanos={nanos.toString()}>
      {formatUsd(nanos)}
    </span>
  );
}

function SectionTable({ section }: { section: RollForwardSection }) {
  const diff = sectionDifferenceNanos(section);
  return (
    <div data-testid={`roll-forward-${section.key}`} data-opening-nanos={section.opening_nanos.toString()} data-closing-nanos={section.closing_nanos.toString()} className="space-y-2">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-sm font-semibold text-slate-900">{section.label}</h3>
        <span className="font-mono text-xs text-slate-500">{section.accounts.join(" + ")}</span>
      </div>
      <Table>
        <THead>
          <Tr>
            <Th>Line</Th>
            <Th numeric>Entries</Th>
            <Th numeric>Amount</Th>
          </Tr>
        </THead>
        <TBody>
          <Tr>
            <Td>
              <div>Opening balance</div>
              <div className="text-xs text-slate-500">{section.opening_source === "frozen" ? "Opening from the closed month's frozen balances" : "Opening summed from the ledger up to the period's start"}</div>
            </Td>
            <Td numeric />
            <Td numeric>
              <Nanos nanos={section.opening_nanos} />
            </Td>
          </Tr>
          {section.movements.length === 0 ? (
            <Tr>
              <Td className="text-slate-500">No movements in this period</Td>
              <Td numeric>0</Td>
              <Td numeric>
                <Nanos nanos={0n} />
              </Td>
            </Tr>
          ) : (
            section.movements.map((m) => (
              <Tr key={m.kind} data-testid="roll-forward-movement" data-kind={m.kind} data-nanos={m.amount_nanos.toString()}>
                <Td>
                  {m.label} <span className="font-mono text-xs text-slate-500">{m.kind}</span>
                </Td>
                <Td numeric>{formatInt(m.entries)}</Td>
                <Td numeric>{formatUsd(m.amount_nanos)}</Td>
              </Tr>
            ))
          )}
          <Tr className="border-t border-slate-300">
            <Td className="font-medium text-slate-900">Closing balance</Td>
            <Td numeric />
            <Td numeric>
              <Nanos nanos={section.closing_nanos} strong />
            </Td>
          </Tr>
          {diff !== 0n ? (
            <Tr>
              <Td className="text-red-800">Does not add up: opening + movements − closing</Td>
              <Td numeric />
              <Td numeric className="text-red-800">
                <Nanos nanos={diff} />
              </Td>
            </Tr>
          ) : null}
        </TBody>
      </Table>
    </div>
  );
}

/**
 * opening + movements = closing for each group of ledger accounts (signs: the ledger's, a positive amount is more for
 * whoever holds the account), with the check in words: "Balanced", or what does not add up.
 */
export function RollForwardCard({ rollForward }: { rollForward: RollForward | undefined }) {
  const problems = rollForward ? rollForwardProblems(rollForward) : [];
  const frozen = rollForward?.sections.some((s) => s.opening_source === "frozen") ?? false;
  return (
    <Card data-testid="roll-forward">
      <CardHeader
        title="Roll-forward"
        description="Opening balance + every movement of the period = closing balance, per group of ledger accounts. Signs are the ledger's: positive is more for whoever holds the account."
        actions={rollForward?.closed ? <Badge tone="blue">Closed period: these figures can no longer change</Badge> : null}
      />
      <CardBody className="space-y-5">
        {!rollForward ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : (
          <>
            <div className="space-y-2 text-sm">
              {problems.length === 0 ? (
                <p data-testid="roll-forward-balanced" data-balanced="true" className="font-medium text-emerald-800">
                  Balanced: every section adds up and the whole ledger sums to $0.
                </p>
              ) : (
                <div data-testid="roll-forward-balanced" data-balanced="false" role="alert" className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-red-900">
                  <p className="font-medium">Not balanced:</p>
                  <ul className="mt-1 list-disc pl-5">
                    {problems.map((p) => (
                      <li key={p}>{p}</li>
                    ))}
                  </ul>
                </div>
              )}
              {frozen ? <p className="text-slate-600">Opening from the closed month&apos;s frozen balances (period_closing_balances).</p> : null}
              {rollForward.late_entries > 0 ? (
                <Alert tone="warning" data-testid="roll-forward-late-entries" data-count={rollForward.late_entries}>
                  {formatInt(rollForward.late_entries)} late {rollForward.late_entries === 1 ? "entry" : "entries"} in this period: events that happened in a closed month, posted here instead (the journal export shows when each occurred).
                </Alert>
              ) : (
                <p className="text-slate-600" data-testid="roll-forward-late-entries" data-count={0}>
                  No late entries in this period.
                </p>
              )}
            </div>
            <div className="grid gap-6 lg:grid-cols-2">
              {rollForward.sections.map((s) => (
                <SectionTable key={s.key} section={s} />
              ))}
            </div>
          </>
        )}
      </CardBody>
    </Card>
  );
}
