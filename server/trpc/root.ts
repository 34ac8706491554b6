import { createCallerFactory, createTRPCRouter } from "./init";
import { buyerRouter } from "./routers/buyer";
import { marketRouter } from "./routers/market";
import { providerRouter } from "./routers/provider";

export const appRouter = createTRPCRouter({
  buyer: buyerRouter,
  provider: providerRouter,
  market: marketRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller (tests, server components): `createCaller(await createTRPCContext({ headers }))`. */
export const createCaller = createCallerFactory(appRouter);
