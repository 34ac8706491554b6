"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { CreateAgentTokenResult } from "@/server/providers/create-agent-token";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Card, CardBody, CardHeader } from "../ui/card";
import { CreateNamedForm } from "../ui/create-named-form";
import { SecretReveal } from "../ui/secret-reveal";
import { AgentCommand } from "./agent-command";
import { AgentTokensTable } from "./agent-tokens-table";

/** Agent tokens (plaintext shown once) and the command that uses one. */
export function AgentTokensManager({ baseUrl }: { baseUrl: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<CreateAgentTokenResult | null>(null);
  const tokens = useQuery(trpc.provider.agentTokens.list.queryOptions());
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.provider.agentTokens.list.queryKey() });
  const create = useMutation(
    trpc.provider.agentTokens.create.mutationOptions({
      onSuccess: (result) => {
        setCreated(result);
        void invalidate();
      },
    }),
  );
  const revoke = useMutation(trpc.provider.agentTokens.revoke.mutationOptions({ onSettled: invalidate }));

  return (
    <Card>
      <CardHeader title="Agent tokens" description="An agent registers your machines with a token. Revoking one stops it registering and heartbeating." />
      <CardBody className="space-y-4">
        <CreateNamedForm
          idPrefix="create-token"
          label="Token name"
          placeholder="e.g. rack-1"
          submitLabel="Create token"
          pending={create.isPending}
          onCreate={(name) => create.mutateAsync({ name })}
        />
        {create.error ? <QueryError error={create.error} /> : null}
        {created ? <SecretReveal title={`Agent token "${created.name}" created`} secret={created.token} testId="new-agent-token" onDismiss={() => setCreated(null)} /> : null}
        <div className="space-y-2">
          <p className="text-sm text-slate-700">Run the agent on the machine with the GPU, pointing it at a GGUF model:</p>
          <AgentCommand baseUrl={baseUrl} token={created?.token ?? null} />
        </div>
        {tokens.error ? <QueryError error={tokens.error} /> : null}
        {revoke.error ? <QueryError error={revoke.error} /> : null}
        <AgentTokensTable tokens={tokens.data} revokingId={revoke.isPending ? (revoke.variables?.id ?? null) : null} onRevoke={(id) => revoke.mutate({ id })} />
      </CardBody>
    </Card>
  );
}
