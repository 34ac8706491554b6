"use client";

import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/trpc/root";

/** `useTRPC()` gives typed query/mutation options: `useQuery(trpc.buyer.balance.queryOptions())`. */
export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();
