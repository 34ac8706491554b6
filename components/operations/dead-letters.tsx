"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { formatUsd } from "@/lib/money";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

/** Settlements the ledger refused. Each still holds its cost against the buyer; replay posts it exactly once. */
export function DeadLetters() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const letters = useQuery(trpc.operations.deadLetters.queryOptions(undefined, { refetchInterval: 5_000 }));
  const replay = useMutation(
    trpc.operations.replayDeadLetters.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.operations.deadLetters.queryKey() }) }),
  );
  const open = letters.data?.open ?? [];
  return (
    <Card>
      <CardHeader
        title="Settlement dead letters"
        description={
          letters.data
            ? `${letters.data.totals.count} open, ${formatUsd(letters.data.totals.amount_nanos)} held against buyers until replayed`
            : "Settlements the ledger refused; their costs stay held until replayed."
        }
        actions={
          <Button disabled={open.length === 0 || replay.isPending} onClick={() => replay.mutate({})} data-testid="replay-dead-letters">
            {replay.isPending ? "Replaying…" : "Replay all"}
          </Button>
        }
      />
      <CardBody>
        {letters.error && <QueryError error={letters.error} />}
        {replay.error && <QueryError error={replay.error} />}
        {replay.data && (
          <Alert tone={replay.data.failed.length > 0 ? "warning" : "info"}>
            {replay.data.settled.length} settled, {replay.data.failed.length} still failing.
          </Alert>
        )}
        <Table data-testid="dead-letters">
          <THead>
            <Tr>
              <Th>Request</Th>
              <Th>Buyer organization</Th>
              <Th numeric>Held</Th>
              <Th numeric>Attempts</Th>
              <Th>Since (UTC)</Th>
              <Th>Last error</Th>
            </Tr>
          </THead>
          <TBody>
            {open.length === 0 ? (
              <EmptyRow colSpan={6}>{letters.data ? "No open dead letters." : "Loading…"}</EmptyRow>
            ) : (
              open.map((l) => (
                <Tr key={l.request_id}>
                  <Td className="font-mono text-xs">{l.request_id}</Td>
                  <Td className="font-mono text-xs">{l.organization_id}</Td>
                  <Td numeric>{formatUsd(l.amount_nanos)}</Td>
                  <Td numeric>{l.attempts}</Td>
                  <Td>{l.created_at.toISOString()}</Td>
                  <Td className="max-w-md text-xs break-words text-slate-600">{l.error}</Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </CardBody>
    </Card>
  );
}
