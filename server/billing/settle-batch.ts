import { inArray } from "drizzle-orm";
import { newId } from "../../lib/ids";
import { journalEntries, ledgerLines, requests, reservations } from "../../db/schema";
import type { ServiceContext } from "../context";
import type { CreditLeases } from "./credit-leases";
import { priceOutcome, type RequestOutcome } from "./request-outcome";
import { addUsageToMeterOutbox } from "./invoicing/meter-outbox";
import { openPeriodStart, postingDate } from "../finance/periods/posting-date";

/**
 * Settles many requests in one transaction, exactly once each: the request row is the
 * idempotency key (a request id already recorded is skipped entirely), and each new request gets
 * one balanced journal entry (buyer debit = provider credit + fee) and its hold released.
 */
export async function settleBatch(
  ctx: ServiceContext,
  outcomes: RequestOutcome[],
  leases?: Pick<CreditLeases, "consumeInTx">,
): Promise<{ settled: number; leaseCosts: Map<string, bigint> }> {
  const leaseCosts = new Map<string, bigint>();
  if (outcomes.length === 0) return { settled: 0, leaseCosts };
  const unique = [...new Map(outcomes.map((o) => [o.requestId, o])).values()];
  return ctx.db.transaction(async (tx) => {
    const priced = unique.map((o) => ({ o, p: priceOutcome(o, ctx.platform_fee_bps) }));
    const inserted = await tx
      .insert(requests)
      .values(
        priced.map(({ o, p }) => ({
          id: o.requestId,
          organizationId: o.organizationId,
          apiKeyId: o.apiKeyId,
          offerId: o.offerId,
          machineId: o.machineId,
          providerOrganizationId: o.providerOrganizationId,
          modelId: o.modelId,
          hardwareClass: o.hardwareClass,
          endpoint: o.endpoint,
          stream: o.stream,
          status: o.status,
          errorCode: o.errorCode,
          priceNanosPerSecond: o.price_nanos_per_second,
          bidNanosPerSecond: o.bid_nanos_per_second ?? null,
          computeMs: o.compute_ms,
          servedMs: o.served_ms ?? null,
          quoteMs: o.quote_ms ?? null,
          billedMs: p.billed_ms,
          ttftMs: o.ttft_ms,
          promptTokens: o.prompt_tokens,
          completionTokens: o.completion_tokens,
          costNanos: p.cost_nanos,
          providerEarningsNanos: p.provider_nanos,
          platformFeeNanos: p.fee_nanos,
          dispatchedAt: o.dispatchedAt,
          completedAt: o.completedAt,
        })),
      )
      .onConflictDoNothing({ target: requests.id })
      .returning({ id: requests.id });
    const fresh = new Set(inserted.map((r) => r.id));
    const toPost = priced.filter(({ o }) => fresh.has(o.requestId));
    if (toPost.length > 0) {
      // Dated at completion; a request finished inside a closed period (a log replayed late) posts into the open one.
      const open_period_start = await openPeriodStart(tx);
      const entries = toPost.map(({ o, p }) => ({ id: newId("journalEntry"), o, p, date: postingDate(o.completedAt, open_period_start) }));
      await tx
        .insert(journalEntries)
        .values(entries.map(({ id, o, date }) => ({ id, kind: "request_settlement", idempotencyKey: `settle:${o.requestId}`, requestId: o.requestId, createdAt: date.created_at, occurredAt: date.occurred_at })));
      const lines = entries.flatMap(({ id, o, p, date }) =>
        [
          { account: "buyer_balance" as const, organizationId: o.organizationId, amountNanos: -p.cost_nanos },
          { account: "provider_earnings" as const, organizationId: o.providerOrganizationId, amountNanos: p.provider_nanos },
          { account: "platform_revenue" as const, organizationId: null, amountNanos: p.fee_nanos },
        ]
          .filter((l) => l.amountNanos !== 0n)
          .map((l) => ({ id: newId("ledgerLine"), journalEntryId: id, createdAt: date.created_at, ...l })),
      );
      if (lines.length > 0) await tx.insert(ledgerLines).values(lines);
      // Invoiced organizations' usage is owed to Stripe's meter: recorded in this same transaction, exactly once.
      await addUsageToMeterOutbox(tx, toPost.map(({ o, p }) => ({ organizationId: o.organizationId, completedAt: o.completedAt, cost_nanos: p.cost_nanos })));
    }
    await tx.delete(reservations).where(inArray(reservations.requestId, unique.map((o) => o.requestId)));
    // Costs admitted against this instance's lease leave the lease as they enter the ledger.
    for (const { o, p } of toPost) if (o.hold === "lease") leaseCosts.set(o.organizationId, (leaseCosts.get(o.organizationId) ?? 0n) + p.cost_nanos);
    if (leases) await leases.consumeInTx(tx, leaseCosts);
    return { settled: toPost.length, leaseCosts };
  });
}
