"use client";

import type { ApiKeySummary } from "@/server/buyers/list-api-keys";
import { formatDateTime } from "../format";
import { Badge } from "../ui/badge";
import { ConfirmButton } from "../ui/confirm-button";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

export function ApiKeysTable({ keys, revokingId, onRevoke }: { keys: ApiKeySummary[] | undefined; revokingId: string | null; onRevoke: (id: string) => void }) {
  return (
    <Table data-testid="api-keys-table">
      <THead>
        <Tr>
          <Th>Name</Th>
          <Th>Key</Th>
          <Th>Created</Th>
          <Th>Status</Th>
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        </Tr>
      </THead>
      <TBody>
        {!keys ? (
          <EmptyRow colSpan={5}>Loading…</EmptyRow>
        ) : keys.length === 0 ? (
          <EmptyRow colSpan={5}>No API keys yet.</EmptyRow>
        ) : (
          keys.map((key) => (
            <Tr key={key.id} data-testid="api-key-row" data-key-id={key.id} data-key-prefix={key.key_prefix}>
              <Td className="font-medium">{key.name}</Td>
              <Td className="font-mono text-xs">{key.key_prefix}…</Td>
              <Td className="whitespace-nowrap text-slate-600">{formatDateTime(key.created_at)}</Td>
              <Td>
                <Badge tone={key.status === "active" ? "green" : "neutral"} data-testid="api-key-status">
                  {key.status === "active" ? "active" : "revoked"}
                </Badge>
                {key.revoked_at ? <div className="mt-1 text-xs text-slate-500">{formatDateTime(key.revoked_at)}</div> : null}
              </Td>
              <Td className="text-right">
                {key.status === "active" ? (
                  <ConfirmButton label="Revoke" confirmLabel="Revoke key" testId="revoke-key" pending={revokingId === key.id} onConfirm={() => onRevoke(key.id)} />
                ) : null}
              </Td>
            </Tr>
          ))
        )}
      </TBody>
    </Table>
  );
}
