"use client";

import { EXPORT_KINDS, EXPORT_SPECS, exportUrl } from "../../lib/export-catalog";
import { buttonClasses } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { exportParams, periodLabel, type FinancePeriod } from "./finance-period";

/**
 * One download per export, for the period the page shows. The browser downloads straight from the streaming handler
 * (nothing held in page memory, whatever the size); each download is audited.
 */
export function ExportsCard({ period }: { period: FinancePeriod }) {
  return (
    <Card data-testid="exports">
      <CardHeader title="Exports" description={`CSV for ${periodLabel(period)}. Amounts in *_usd_exact columns sum to the ledger exactly; an export of a closed month is the same file every time.`} />
      <CardBody>
        <ul className="divide-y divide-slate-100">
          {EXPORT_KINDS.map((kind) => {
            const spec = EXPORT_SPECS[kind];
            const target = exportParams(spec, period);
            return (
              <li key={kind} className="flex flex-wrap items-center justify-between gap-3 py-3">
                <div className="max-w-2xl">
                  <div className="text-sm font-medium text-slate-900">{spec.label}</div>
                  <p className="text-xs text-slate-600">{spec.description}</p>
                  {"disabled" in target ? (
                    <p className="mt-1 text-xs text-amber-900" id={`export-${kind}-reason`}>
                      {target.disabled}
                    </p>
                  ) : null}
                </div>
                {"params" in target ? (
                  <a href={exportUrl(kind, target.params)} download className={buttonClasses("secondary", "sm")} data-testid={`export-${kind}`}>
                    Download CSV
                  </a>
                ) : (
                  <span role="link" aria-disabled="true" aria-describedby={`export-${kind}-reason`} className={buttonClasses("secondary", "sm", "pointer-events-none opacity-50")} data-testid={`export-${kind}-disabled`}>
                    Download CSV
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </CardBody>
    </Card>
  );
}
