"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { formatUsd } from "@/lib/money";
import type { ApiKeySummary } from "@/server/buyers/list-api-keys";
import { errorMessage } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Label } from "../ui/input";
import { Select } from "../ui/select";
import { formValuesFromSettings, ROUTING_SORTS, settingsPatchFromForm, type KeySettingsFormValues } from "./api-key-settings-values";

const SORT_LABELS: Record<(typeof ROUTING_SORTS)[number], string> = {
  price: "Price — cheapest first",
  latency: "Latency — fastest first token",
  throughput: "Throughput — fastest generation",
  balanced: "Balanced — price and speed",
};

const MONTH = new Intl.DateTimeFormat("en-US", { month: "long", day: "numeric", timeZone: "UTC" });

function Section({ title, description, children }: { title: string; description: ReactNode; children: ReactNode }) {
  return (
    <fieldset className="space-y-4">
      <div>
        <legend className="text-sm font-semibold text-slate-900">{title}</legend>
        <p className="mt-1 text-sm text-slate-600">{description}</p>
      </div>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">{children}</div>
    </fieldset>
  );
}

/** Inline editor for one key's limits and routing defaults. Saves the whole form: an empty field clears it. */
export function ApiKeySettingsPanel({ apiKey, onClose }: { apiKey: ApiKeySummary; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [values, setValues] = useState<KeySettingsFormValues>(() => formValuesFromSettings(apiKey));
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.buyer.apiKeys.updateSettings.mutationOptions({
      onSuccess: (result) => {
        // Show what the server stored (normalized: "$1,000" → "1000", empty lists dropped).
        setValues(formValuesFromSettings(result));
        setSaved(true);
        void queryClient.invalidateQueries({ queryKey: trpc.buyer.apiKeys.list.queryKey() });
      },
    }),
  );

  const field = <K extends keyof KeySettingsFormValues>(key: K, value: KeySettingsFormValues[K]) => {
    setValues((prev) => ({ ...prev, [key]: value }));
    setSaved(false);
  };
  const text = (key: Exclude<keyof KeySettingsFormValues, "allow_fallbacks" | "sort">) => ({
    id: `${id}-${key}`,
    value: values[key],
    onChange: (e: { target: { value: string } }) => field(key, e.target.value),
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    save.reset();
    const parsed = settingsPatchFromForm(values);
    if (!parsed.ok) {
      setFormError(parsed.message);
      return;
    }
    setFormError(null);
    save.mutate({ id: apiKey.id, ...parsed.patch });
  }

  const error = formError ?? (save.error ? errorMessage(save.error) : null);
  const spent = `${formatUsd(apiKey.month_spend_nanos)} spent since ${MONTH.format(apiKey.month_start)} (UTC).`;

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-6 rounded-md border border-slate-200 bg-slate-50 p-4" data-testid="key-settings" aria-label={`Settings for API key ${apiKey.name}`}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h3 className="text-sm font-semibold text-slate-900">Settings for “{apiKey.name}”</h3>
          <p className="mt-1 text-xs text-slate-500">Changes apply to new requests through this key within about a second.</p>
        </div>
      </div>

      <Section title="Limits" description="Leave a field empty for no limit. A request over a limit is refused (429 for rate and concurrency, 402 for spend).">
        <Field
          {...text("rate_limit_per_minute")}
          label="Requests per minute"
          inputMode="numeric"
          placeholder="Unlimited"
          hint="Whole number. Enforced by each gateway process."
          data-testid="key-rate-limit"
        />
        <Field
          {...text("concurrency_limit")}
          label="Concurrent requests"
          inputMode="numeric"
          placeholder="Unlimited"
          hint="Requests in flight at once, streams included."
          data-testid="key-concurrency-limit"
        />
        <Field
          {...text("monthly_spend_limit_usd")}
          label="Monthly spend limit (USD)"
          inputMode="decimal"
          placeholder="Unlimited"
          hint={
            <>
              Per calendar month (UTC); requests in flight count too. Empty = only your balance limits it. <span data-testid="key-settings-month-spend">{spent}</span>
            </>
          }
          data-testid="key-spend-limit"
        />
      </Section>

      <Section
        title="Routing defaults"
        description={
          <>
            Applies to requests that don&apos;t say otherwise; a request&apos;s own <code className="font-mono text-slate-900">spotlane</code> field wins (field by
            field). Lists are comma-separated; empty = no preference.
          </>
        }
      >
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-sort`}>Sort</Label>
          <Select id={`${id}-sort`} value={values.sort} onChange={(e) => field("sort", e.target.value as KeySettingsFormValues["sort"])} data-testid="key-routing-sort">
            <option value="">Not set (balanced)</option>
            {ROUTING_SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </Select>
        </div>
        <Field
          {...text("max_price_per_second")}
          label="Max price per second (USD)"
          inputMode="decimal"
          placeholder="No maximum"
          hint="Per slot-second, e.g. 0.0002. Providers above it are skipped."
          data-testid="key-routing-max-price"
        />
        <Field
          {...text("max_ttft_ms")}
          label="Max time to first token (ms)"
          inputMode="numeric"
          placeholder="No maximum"
          hint="Providers predicted slower are skipped."
          data-testid="key-routing-max-ttft"
        />
        <Field {...text("hardware_only")} label="Hardware: only" placeholder="e.g. nvidia-h100, nvidia-rtx-4090" hint="Hardware classes to use exclusively." data-testid="key-routing-hardware-only" />
        <Field {...text("hardware_ignore")} label="Hardware: ignore" placeholder="e.g. cpu" hint="Hardware classes never to use." data-testid="key-routing-hardware-ignore" />
        <Field {...text("quantizations")} label="Quantizations" placeholder="e.g. q4_k_m, q8_0" hint="Only models in these quantizations." data-testid="key-routing-quantizations" />
        <Field
          {...text("providers_order")}
          label="Providers: try first"
          placeholder="org_… or mach_…"
          hint="Provider organization or machine ids, in order of preference."
          data-testid="key-routing-providers-order"
        />
        <Field {...text("providers_only")} label="Providers: only" placeholder="org_… or mach_…" hint="Use no other providers." data-testid="key-routing-providers-only" />
        <Field {...text("providers_ignore")} label="Providers: ignore" placeholder="org_… or mach_…" hint="Never use these providers." data-testid="key-routing-providers-ignore" />
        <div className="md:col-span-3">
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              className="mt-0.5 h-4 w-4 rounded border-slate-300"
              checked={values.allow_fallbacks}
              onChange={(e) => field("allow_fallbacks", e.target.checked)}
              aria-describedby={`${id}-fallbacks-hint`}
              data-testid="key-routing-allow-fallbacks"
            />
            <span>
              <span className="font-medium">Allow fallbacks</span>
              <span id={`${id}-fallbacks-hint`} className="block text-xs text-slate-500">
                When the chosen provider fails, retry on the next best one. Off: no retries, and with “try first” set, only those providers.
              </span>
            </span>
          </label>
        </div>
      </Section>

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={save.isPending} data-testid="key-settings-save">
          {save.isPending ? "Saving…" : "Save settings"}
        </Button>
        <Button variant="ghost" onClick={onClose} data-testid="key-settings-close">
          Close
        </Button>
        {saved && !error ? (
          <Alert tone="info" className="py-2" data-testid="key-settings-saved">
            Settings saved.
          </Alert>
        ) : null}
      </div>
      {error ? (
        <Alert tone="error" data-testid="key-settings-error">
          {error}
        </Alert>
      ) : null}
    </form>
  );
}
