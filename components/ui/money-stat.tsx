import clsx from "clsx";
import { formatUsd } from "@/lib/money";

/** One amount in a card's summary: exact nano-USD in `data-nanos` (what tests read), "…" while loading. */
export function MoneyStat({ label, hint, nanos, testId, tone, large }: { label: string; hint?: string; nanos: bigint | undefined; testId: string; tone?: "red"; large?: boolean }) {
  return (
    <div>
      <dt className="text-xs tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd
        className={clsx("mt-1 tabular-nums", large ? "text-2xl font-semibold" : "text-lg", tone === "red" ? "text-red-700" : "text-slate-900")}
        data-testid={testId}
        data-nanos={nanos?.toString()}
        aria-busy={nanos === undefined}
      >
        {nanos === undefined ? "…" : formatUsd(nanos)}
      </dd>
      {hint ? <dd className="mt-0.5 text-xs text-slate-500">{hint}</dd> : null}
    </div>
  );
}
