import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { isTRPCClientError } from "@trpc/client";

function isCode(error: unknown, code: string): boolean {
  return isTRPCClientError(error) && (error.data as { code?: string } | undefined)?.code === code;
}

/**
 * A signed-out session anywhere sends the browser to /sign-in instead of leaving error boxes behind.
 * Client errors (4xx) are not retried: asking again gives the same answer.
 */
export function makeQueryClient(): QueryClient {
  const onError = (error: unknown) => {
    if (isCode(error, "UNAUTHORIZED") && typeof window !== "undefined") window.location.assign("/sign-in");
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        // staleTime stays 0: nothing is prefetched on the server, and coming back to a page
        // (e.g. the dashboard after API calls) must show fresh rows at once.
        retry: (failures, error) => {
          const status = isTRPCClientError(error) ? (error.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
          return (status === undefined || status >= 500) && failures < 2;
        },
      },
    },
  });
}
