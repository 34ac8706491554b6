import { eq } from "drizzle-orm";
import Stripe from "stripe";
import type { Db } from "../../../db/client";
import { reconciliationItems, reconciliationRuns, type ReconciliationTrigger } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import type { ServiceContext } from "../../context";
import { fallbackLogger, type Logger } from "../../logger";
import type { AuditActor } from "../audit/actions";
import { recordAudit } from "../audit/record-audit";
import type { Period } from "../period";
import { reconcileBankPayouts } from "./bank-payouts";
import { ledgerEntriesFor, ledgerStripeIdsIn } from "./ledger-side";
import { groupSides, LEDGER_TXN_TYPES, matchGroup, STRIPE_FEE_KIND, type LedgerEntry, type MatchedItem, type StripeTxn } from "./match";
import { postStripeFees } from "./post-stripe-fees";
import { chargesOfInvoice, invoiceOfCharge, platformTxnsIn, platformTxnsOf } from "./stripe-side";
import type { ReconciliationRunView } from "./types";
import { runView } from "./views";

/** The window a run covers unless told otherwise: the last 35 days (Stripe's own reporting lag is days, not weeks). */
export const DEFAULT_RECONCILIATION_DAYS = 35;
const DAY_MS = 86_400_000;

export const STRIPE_FAILED_MESSAGE = "Stripe could not be reached or refused a request, so the reconciliation did not finish. Try again later.";
export const INTERNAL_FAILED_MESSAGE = "The reconciliation failed on our side; the error is in the server logs.";
export const STRIPE_NOT_CONFIGURED_MESSAGE = "Stripe is not configured on this marketplace (STRIPE_SECRET_KEY is unset): there is nothing to reconcile.";

type Outcome = { items: MatchedItem[] };
/** What a run has done so far, kept when Stripe fails it halfway (fees already posted stay posted and counted). */
type Progress = { fees_posted_nanos: bigint };

/** Both sides of one run, gathered as the README describes: by Stripe object, each side widened past the period. */
class Sides {
  readonly txns = new Map<string, Map<string, StripeTxn>>();
  /** Sources whose every balance transaction is known (listed by source, not only the period's). */
  readonly complete = new Set<string>();
  /** A charge paying an invoice → the invoice (ledger entries name the invoice). */
  readonly alias = new Map<string, string>();
  readonly invoiceCharges = new Map<string, string[]>();
  entries: LedgerEntry[] = [];

  constructor(
    private readonly db: Db,
    private readonly stripe: Stripe,
  ) {}

  keyOf = (id: string) => this.alias.get(id) ?? id;
  sourcesOf = (key: string) => {
    const charges = this.invoiceCharges.get(key);
    return charges && charges.length > 0 ? charges : [key];
  };
  allTxns = () => [...this.txns.values()].flatMap((m) => [...m.values()]);

  addTxns(list: StripeTxn[]): void {
    for (const t of list) {
      let m = this.txns.get(t.source);
      if (!m) this.txns.set(t.source, (m = new Map()));
      m.set(t.id, t);
    }
  }

  async fetchSource(source: string): Promise<void> {
    if (this.complete.has(source)) return;
    this.txns.delete(source);
    this.addTxns(await platformTxnsOf(this.stripe, source));
    this.txns.set(source, this.txns.get(source) ?? new Map());
    this.complete.add(source);
  }

  async aliasInvoice(invoiceId: string): Promise<void> {
    if (this.invoiceCharges.has(invoiceId)) return;
    const charges = await chargesOfInvoice(this.stripe, invoiceId);
    this.invoiceCharges.set(invoiceId, charges);
    for (const c of charges) this.alias.set(c, invoiceId);
  }

  ids(): string[] {
    return [...new Set([...this.txns.keys(), ...this.alias.keys(), ...this.invoiceCharges.keys(), ...this.entries.map((e) => e.stripe_object_id)])];
  }

  async reloadLedger(extra: string[] = []): Promise<void> {
    this.entries = await ledgerEntriesFor(this.db, [...this.ids(), ...extra]);
  }

  keysWithEntries(): Set<string> {
    return new Set(this.entries.filter((e) => e.kind !== STRIPE_FEE_KIND).map((e) => this.keyOf(e.stripe_object_id)));
  }

  /** Every ledger object's Stripe sources known in full (a webhook that arrived a day late is not "missing"), fee-only keys included. */
  async completeLedgerSources(): Promise<void> {
    const keys = new Set(this.entries.map((e) => this.keyOf(e.stripe_object_id)));
    for (const key of keys) for (const source of this.sourcesOf(key)) if (!this.txns.has(source)) await this.fetchSource(source);
  }

  match(): MatchedItem[] {
    return groupSides(this.entries, this.allTxns(), this.alias, this.invoiceCharges).map(matchGroup);
  }
}

async function reconcile(db: Db, stripe: Stripe, period: Period, progress: Progress, logger: Logger): Promise<Outcome> {
  const sides = new Sides(db, stripe);
  sides.addTxns(await platformTxnsIn(stripe, period));
  const ledgerIds = await ledgerStripeIdsIn(db, period);
  for (const id of ledgerIds) if (id.startsWith("in_")) await sides.aliasInvoice(id);
  await sides.reloadLedger(ledgerIds);

  // A charge Stripe lists that no entry names may pay an invoice whose entry was posted outside the period.
  // (Its fee entry, posted by an earlier run under the charge's id, does not name it: the invoice's entry does.)
  // So may a charge only a fee entry names: that entry can be in the period alone (a period close moved it
  // forward) while the charge and the invoice's entry are not.
  const named = new Set(sides.entries.filter((e) => e.kind !== STRIPE_FEE_KIND).map((e) => e.stripe_object_id));
  const feeOnly = new Set(sides.entries.filter((e) => e.kind === STRIPE_FEE_KIND).map((e) => e.stripe_object_id));
  const unnamedCharges = new Set<string>();
  for (const [source, txns] of sides.txns) if ([...txns.values()].some((t) => LEDGER_TXN_TYPES.has(t.type))) unnamedCharges.add(source);
  for (const source of feeOnly) unnamedCharges.add(source);
  for (const source of unnamedCharges) {
    if (!source.startsWith("ch_") || sides.alias.has(source) || named.has(source)) continue;
    const invoiceId = await invoiceOfCharge(stripe, source);
    if (invoiceId) await sides.aliasInvoice(invoiceId);
  }
  await sides.reloadLedger();
  await sides.completeLedgerSources();

  const postFees = async () => {
    const keys = sides.keysWithEntries();
    await postStripeFees(db, sides.allTxns().filter((t) => keys.has(sides.keyOf(t.source))), (fee_nanos) => {
      progress.fees_posted_nanos += fee_nanos;
    });
    await sides.reloadLedger();
  };
  await postFees();
  let items = sides.match();

  // A disagreement seen through the period's window only may be a balance transaction just outside it: look again in full.
  let refetched = false;
  for (const item of items) {
    if (item.status === "matched" || item.stripe_only) continue;
    for (const source of sides.sourcesOf(item.stripe_object_id)) {
      if (sides.complete.has(source)) continue;
      await sides.fetchSource(source);
      refetched = true;
    }
  }
  if (refetched) {
    await postFees();
    items = sides.match();
  }
  items.push(...(await reconcileBankPayouts(db, stripe, period, logger)));
  return { items };
}

function counts(items: MatchedItem[]) {
  const c = { matched: 0, missing_in_stripe: 0, missing_in_ledger: 0, amount_mismatch: 0, stripe_only: 0 };
  for (const i of items) {
    if (i.stripe_only) c.stripe_only++;
    else c[i.status]++;
  }
  return c;
}

const ITEM_CHUNK = 500;

/**
 * Matches every Stripe-linked ledger entry in `period` (default: the last 35 days) against Stripe's balance
 * transactions and payouts, posting Stripe's fees as platform expense first (server/finance/README.md,
 * "Reconciliation"). Never throws for Stripe's sake: a run Stripe failed is recorded `failed` with a plain
 * reason (the internal error goes to the log) and returned.
 */
export async function runReconciliation(
  ctx: ServiceContext,
  input: { trigger: ReconciliationTrigger; period?: Period; actor: AuditActor; logger?: Logger },
): Promise<ReconciliationRunView> {
  const started_at = ctx.now();
  const period = input.period ?? { start: new Date(started_at.getTime() - DEFAULT_RECONCILIATION_DAYS * DAY_MS), end: started_at };
  const id = newId("reconciliationRun");
  await ctx.db.insert(reconciliationRuns).values({ id, trigger: input.trigger, periodStart: period.start, periodEnd: period.end, status: "running", startedByUserId: input.actor?.userId ?? null, startedAt: started_at });

  let outcome: Outcome | null = null;
  const progress: Progress = { fees_posted_nanos: 0n };
  let error: string | null = null;
  const logger = input.logger ?? fallbackLogger();
  if (!ctx.stripe) error = STRIPE_NOT_CONFIGURED_MESSAGE;
  else {
    try {
      outcome = await reconcile(ctx.db, ctx.stripe.client, period, progress, logger);
    } catch (err) {
      const stripeFailed = err instanceof Stripe.errors.StripeError;
      error = stripeFailed ? STRIPE_FAILED_MESSAGE : INTERNAL_FAILED_MESSAGE;
      logger.error({ err, run_id: id, stripe: stripeFailed }, "reconciliation run failed");
    }
  }

  const c = counts(outcome?.items ?? []);
  const fees_posted_nanos = progress.fees_posted_nanos;
  const finished_at = ctx.now();
  const [row] = await ctx.db.transaction(async (tx) => {
    const items = outcome?.items ?? [];
    for (let i = 0; i < items.length; i += ITEM_CHUNK) {
      await tx.insert(reconciliationItems).values(
        items.slice(i, i + ITEM_CHUNK).map((item) => ({
          id: newId("reconciliationItem"),
          runId: id,
          status: item.status,
          kind: item.kind,
          stripeObjectId: item.stripe_object_id,
          stripeAccount: item.stripe_account,
          organizationId: item.organization_id,
          journalEntryIds: item.journal_entry_ids,
          ledgerNanos: item.ledger_nanos,
          stripeNanos: item.stripe_nanos,
          description: item.description,
          occurredAt: item.occurred_at,
        })),
      );
    }
    await recordAudit(tx, {
      actor: input.actor,
      action: "reconciliation.run",
      subject: id,
      at: finished_at,
      details: {
        trigger: input.trigger,
        status: error ? "failed" : "completed",
        period_start: period.start.toISOString(),
        period_end: period.end.toISOString(),
        matched: String(c.matched),
        missing_in_stripe: String(c.missing_in_stripe),
        missing_in_ledger: String(c.missing_in_ledger),
        amount_mismatch: String(c.amount_mismatch),
        stripe_only: String(c.stripe_only),
        fees_posted_nanos: fees_posted_nanos.toString(),
      },
    });
    return tx
      .update(reconciliationRuns)
      .set({
        status: error ? "failed" : "completed",
        error,
        matched: c.matched,
        missingInStripe: c.missing_in_stripe,
        missingInLedger: c.missing_in_ledger,
        amountMismatch: c.amount_mismatch,
        feesPostedNanos: fees_posted_nanos,
        finishedAt: finished_at,
      })
      .where(eq(reconciliationRuns.id, id))
      .returning();
  });
  return runView(row!, c.stripe_only);
}
