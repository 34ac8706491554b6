import { createCallerFactory, createTRPCRouter } from "./init";
import { billingRouter } from "./routers/billing";
import { buyerRouter } from "./routers/buyer";
import { financeRouter } from "./routers/finance";
import { marketRouter } from "./routers/market";
import { operationsRouter } from "./routers/operations";
import { organizationRouter } from "./routers/organization";
import { payoutsRouter } from "./routers/payouts";
import { providerRouter } from "./routers/provider";
import { standingBidsRouter } from "./routers/standing-bids";

export const appRouter = createTRPCRouter({
  buyer: buyerRouter,
  provider: providerRouter,
  market: marketRouter,
  /** Buyer standing bids per model. */
  standingBids: standingBidsRouter,
  /** Platform operators: settlement dead letters and their replay. */
  operations: operationsRouter,
  /** The active organization's lifecycle: closing it (admins). */
  organization: organizationRouter,
  /** The Billing page: balance, Stripe top-ups, auto top-up, ledger lines, refunds, disputes, invoices. */
  billing: billingRouter,
  /** The Payouts page: Stripe Connect onboarding, payout balances, history, earnings over time, monthly statements. */
  payouts: payoutsRouter,
  /** The Finance page (platform finance): roll-forward, period close, reconciliation, audit log. */
  finance: financeRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller (tests, server components): `createCaller(await createTRPCContext({ headers }))`. */
export const createCaller = createCallerFactory(appRouter);
