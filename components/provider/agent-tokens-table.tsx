"use client";

import type { AgentTokenSummary } from "@/server/providers/list-agent-tokens";
import { formatDateTime } from "../format";
import { Badge } from "../ui/badge";
import { ConfirmButton } from "../ui/confirm-button";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

export function AgentTokensTable({ tokens, revokingId, onRevoke }: { tokens: AgentTokenSummary[] | undefined; revokingId: string | null; onRevoke: (id: string) => void }) {
  return (
    <Table data-testid="agent-tokens-table">
      <THead>
        <Tr>
          <Th>Name</Th>
          <Th>Token</Th>
          <Th>Created</Th>
          <Th>Status</Th>
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        </Tr>
      </THead>
      <TBody>
        {!tokens ? (
          <EmptyRow colSpan={5}>Loading…</EmptyRow>
        ) : tokens.length === 0 ? (
          <EmptyRow colSpan={5}>No agent tokens yet.</EmptyRow>
        ) : (
          tokens.map((token) => (
            <Tr key={token.id} data-testid="agent-token-row" data-token-id={token.id}>
              <Td className="font-medium">{token.name}</Td>
              <Td className="font-mono text-xs">{token.token_prefix}…</Td>
              <Td className="whitespace-nowrap text-slate-600">{formatDateTime(token.created_at)}</Td>
              <Td>
                <Badge tone={token.status === "active" ? "green" : "neutral"} data-testid="agent-token-status">
                  {token.status}
                </Badge>
              </Td>
              <Td className="text-right">
                {token.status === "active" ? (
                  <ConfirmButton label="Revoke" confirmLabel="Revoke token" testId="revoke-token" pending={revokingId === token.id} onConfirm={() => onRevoke(token.id)} />
                ) : null}
              </Td>
            </Tr>
          ))
        )}
      </TBody>
    </Table>
  );
}
