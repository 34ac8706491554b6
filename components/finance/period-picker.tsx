"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardBody } from "../ui/card";
import { Input, Label } from "../ui/input";
import { formatInstant, isMonth, parseInstant, periodLabel, rangeError, shiftMonth, utcMonthOf, type FinancePeriod } from "./finance-period";

/**
 * Which period the page shows: a calendar month (previous / next / any month) or a custom half-open UTC range.
 * `onChange` puts it in the URL; the page re-reads it from there, so a link or a reload shows the same period.
 */
export function PeriodPicker({ period, currentMonth, onChange }: { period: FinancePeriod; currentMonth: string; onChange: (period: FinancePeriod) => void }) {
  const month = period.kind === "month" ? period.month : null;
  // Previous / next from a custom range step from the month it starts in.
  const base = period.kind === "month" ? period.month : utcMonthOf(period.from);
  const [monthDraft, setMonthDraft] = useState(base);
  const [fromDraft, setFromDraft] = useState(period.kind === "range" ? formatInstant(period.from) : `${base}-01`);
  const [toDraft, setToDraft] = useState(period.kind === "range" ? formatInstant(period.to) : `${shiftMonth(base, 1)}-01`);
  const [rangeProblem, setRangeProblem] = useState<string | null>(null);

  function applyRange(e: FormEvent) {
    e.preventDefault();
    const from = parseInstant(fromDraft);
    const to = parseInstant(toDraft);
    const problem = !from || !to ? "Both ends are UTC days (2026-11-03) or ISO 8601 instants with their offset." : rangeError(from, to);
    setRangeProblem(problem);
    if (!problem && from && to) onChange({ kind: "range", from, to });
  }

  return (
    <Card>
      <CardBody className="space-y-4">
        <p className="text-sm text-slate-700">
          Period:{" "}
          <span className="font-semibold text-slate-900" data-testid="finance-period" data-kind={period.kind}>
            {periodLabel(period)}
          </span>
          <span className="ml-2 text-xs text-slate-500">Half-open: from the start, up to but not including the end.</span>
        </p>
        <div className="flex flex-wrap items-end gap-6">
          <div className="flex flex-wrap items-end gap-2" role="group" aria-label="Calendar month">
            <Button variant="secondary" size="sm" onClick={() => onChange({ kind: "month", month: shiftMonth(base, -1) })} data-testid="finance-period-previous">
              ← Previous month
            </Button>
            <form
              className="flex items-end gap-2"
              onSubmit={(e) => {
                e.preventDefault();
                if (isMonth(monthDraft)) onChange({ kind: "month", month: monthDraft });
              }}
            >
              <div className="space-y-1">
                <Label htmlFor="finance-month">Month (UTC)</Label>
                <Input id="finance-month" type="month" value={monthDraft} onChange={(e) => setMonthDraft(e.target.value)} className="h-8 w-40" data-testid="finance-month" />
              </div>
              <Button type="submit" variant="secondary" size="sm" disabled={!isMonth(monthDraft)}>
                Show month
              </Button>
            </form>
            <Button variant="secondary" size="sm" onClick={() => onChange({ kind: "month", month: shiftMonth(base, 1) })} data-testid="finance-period-next">
              Next month →
            </Button>
            {month !== currentMonth ? (
              <Button variant="ghost" size="sm" onClick={() => onChange({ kind: "month", month: currentMonth })}>
                This month
              </Button>
            ) : null}
          </div>
          <form className="flex flex-wrap items-end gap-2" onSubmit={applyRange} aria-label="Custom range">
            <div className="space-y-1">
              <Label htmlFor="finance-from">From (UTC, included)</Label>
              <Input id="finance-from" value={fromDraft} onChange={(e) => setFromDraft(e.target.value)} placeholder="2026-11-03" className="h-8 w-56" data-testid="finance-from" />
            </div>
            <div className="space-y-1">
              <Label htmlFor="finance-to">To (UTC, excluded)</Label>
              <Input id="finance-to" value={toDraft} onChange={(e) => setToDraft(e.target.value)} placeholder="2026-11-10" className="h-8 w-56" data-testid="finance-to" />
            </div>
            <Button type="submit" variant="secondary" size="sm" data-testid="finance-range-apply">
              Show range
            </Button>
          </form>
        </div>
        {rangeProblem ? <Alert tone="error">{rangeProblem}</Alert> : null}
      </CardBody>
    </Card>
  );
}
