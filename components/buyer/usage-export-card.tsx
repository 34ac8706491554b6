"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc/react";
import { buttonClasses } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { Input, Label } from "../ui/input";
import { Select } from "../ui/select";
import { currentUtcMonth, usageExportHref, type UsageExportForm } from "./usage-export-values";

/**
 * The buyer's own usage as CSV (GET /api/exports/usage.csv): the server exports the viewer's organization
 * only, whatever the link says; the card just builds the link from a period, a key and a model.
 */
export function UsageExportCard() {
  const trpc = useTRPC();
  const keys = useQuery(trpc.buyer.apiKeys.list.queryOptions());
  const markets = useQuery(trpc.market.markets.queryOptions());
  const recent = useQuery(trpc.buyer.requests.recent.queryOptions());
  const [form, setForm] = useState<UsageExportForm>(() => ({ mode: "month", month: currentUtcMonth(new Date()), from: "", to: "", keyId: "", model: "" }));
  const set = (patch: Partial<UsageExportForm>) => setForm((f) => ({ ...f, ...patch }));
  const link = usageExportHref(form);
  // Suggestions only: any model id may be typed (one run months ago is in no live market).
  const models = [...new Set([...(recent.data ?? []).map((r) => r.model_id), ...(markets.data ?? []).map((m) => m.model_id)])].sort();

  return (
    <Card data-testid="usage-export-card">
      <CardHeader
        title="Usage export"
        description="Every settled request of your organization as CSV: times, key, model, provider machine, billed time, tokens, locked price, cost in nano-USD and USD, and its journal entry. Periods are UTC; a request counts in the period its cost was posted."
      />
      <CardBody>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <div className="space-y-1.5">
            <Label htmlFor="usage-export-mode">Period</Label>
            <Select id="usage-export-mode" value={form.mode} onChange={(e) => set({ mode: e.target.value as UsageExportForm["mode"] })}>
              <option value="month">A month</option>
              <option value="dates">From … to (days)</option>
            </Select>
          </div>
          {form.mode === "month" ? (
            <div className="space-y-1.5">
              <Label htmlFor="usage-export-month">Month (UTC)</Label>
              <Input id="usage-export-month" type="month" value={form.month} onChange={(e) => set({ month: e.target.value })} />
            </div>
          ) : (
            <div className="grid grid-cols-2 gap-2">
              <div className="space-y-1.5">
                <Label htmlFor="usage-export-from">First day</Label>
                <Input id="usage-export-from" type="date" value={form.from} onChange={(e) => set({ from: e.target.value })} />
              </div>
              <div className="space-y-1.5">
                <Label htmlFor="usage-export-to">Last day</Label>
                <Input id="usage-export-to" type="date" value={form.to} onChange={(e) => set({ to: e.target.value })} />
              </div>
            </div>
          )}
          <div className="space-y-1.5">
            <Label htmlFor="usage-export-key">API key</Label>
            <Select id="usage-export-key" value={form.keyId} onChange={(e) => set({ keyId: e.target.value })}>
              <option value="">All keys</option>
              {(keys.data ?? []).map((k) => (
                <option key={k.id} value={k.id}>
                  {k.name} ({k.key_prefix}…){k.status === "revoked" ? " — revoked" : ""}
                </option>
              ))}
            </Select>
          </div>
          <div className="space-y-1.5">
            <Label htmlFor="usage-export-model">Model</Label>
            <Input id="usage-export-model" list="usage-export-models" placeholder="All models" maxLength={200} value={form.model} onChange={(e) => set({ model: e.target.value })} />
            <datalist id="usage-export-models">
              {models.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </div>
        </div>
        <div className="mt-4 flex items-center gap-3">
          {"href" in link ? (
            <a className={buttonClasses()} href={link.href} download data-testid="buyer-export-usage">
              Download CSV
            </a>
          ) : (
            <>
              <span className={buttonClasses("primary", "md", "pointer-events-none opacity-50")} aria-disabled="true">
                Download CSV
              </span>
              <span className="text-sm text-slate-600" data-testid="buyer-export-usage-hint">
                {link.error}
              </span>
            </>
          )}
        </div>
      </CardBody>
    </Card>
  );
}
