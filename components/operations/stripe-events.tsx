"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

/** Stripe webhook events whose handler failed on every retry: money Stripe says moved that the ledger has not seen yet. */
export function StripeEvents() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const events = useQuery(trpc.operations.stripeEvents.queryOptions(undefined, { refetchInterval: 5_000 }));
  const retry = useMutation(
    trpc.operations.retryStripeEvents.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.operations.stripeEvents.queryKey() }) }),
  );
  const failed = events.data?.failed ?? [];
  const counts = events.data?.counts;
  return (
    <Card>
      <CardHeader
        title="Failed Stripe events"
        description={
          counts
            ? `${counts.failed} failed, ${counts.received} waiting, ${counts.processed} processed, ${counts.ignored} ignored (no handler for the type).`
            : "Webhook events whose handler failed on every retry. Fix the cause, then retry them."
        }
        actions={
          <Button disabled={failed.length === 0 || retry.isPending} onClick={() => retry.mutate({})} data-testid="retry-stripe-events">
            {retry.isPending ? "Retrying…" : "Retry all"}
          </Button>
        }
      />
      <CardBody>
        {events.error && <QueryError error={events.error} />}
        {retry.error && <QueryError error={retry.error} />}
        {retry.data && <Alert tone="info">{retry.data.requeued.length} event(s) back in the queue.</Alert>}
        <Table data-testid="failed-stripe-events">
          <THead>
            <Tr>
              <Th>Event</Th>
              <Th>Type</Th>
              <Th>Object</Th>
              <Th numeric>Attempts</Th>
              <Th>Received (UTC)</Th>
              <Th>Last error</Th>
              <Th> </Th>
            </Tr>
          </THead>
          <TBody>
            {failed.length === 0 ? (
              <EmptyRow colSpan={7}>{events.data ? "No failed Stripe events." : "Loading…"}</EmptyRow>
            ) : (
              failed.map((e) => (
                <Tr key={e.id}>
                  <Td className="font-mono text-xs">{e.id}</Td>
                  <Td className="font-mono text-xs">{e.type}</Td>
                  <Td className="font-mono text-xs">{e.object_id ?? "—"}</Td>
                  <Td numeric>{e.attempts}</Td>
                  <Td>{e.received_at.toISOString()}</Td>
                  <Td className="max-w-md text-xs break-words text-slate-600">{e.last_error}</Td>
                  <Td>
                    <Button size="sm" variant="secondary" disabled={retry.isPending} onClick={() => retry.mutate({ event_ids: [e.id] })}>
                      Retry
                    </Button>
                  </Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </CardBody>
    </Card>
  );
}
