import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getRuntime } from "@/server/runtime";
import { createTRPCContext } from "@/server/trpc/init";
import { appRouter } from "@/server/trpc/root";

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers }),
    onError({ error, path }) {
      // Expected failures (auth, validation, service errors) are the client's business; log only the unexpected.
      // This is the only record of an internal error: the client gets a generic message (server/trpc/init.ts).
      if (error.code !== "INTERNAL_SERVER_ERROR") return;
      const logger = getRuntime().logger;
      if (logger) logger.error({ err: error.cause ?? error, path: path ?? null }, "trpc internal error");
      else console.error(`[trpc] ${path ?? "<no path>"}:`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
export const dynamic = "force-dynamic";
