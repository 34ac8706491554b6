"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { CreateApiKeyResult } from "@/server/buyers/create-api-key";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Card, CardBody, CardHeader } from "../ui/card";
import { CreateNamedForm } from "../ui/create-named-form";
import { SecretReveal } from "../ui/secret-reveal";
import { ApiKeysTable } from "./api-keys-table";

/** Create (secret shown once), list and revoke the organization's API keys. */
export function ApiKeysManager() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<CreateApiKeyResult | null>(null);
  const keys = useQuery(trpc.buyer.apiKeys.list.queryOptions());
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.buyer.apiKeys.list.queryKey() });
  const create = useMutation(
    trpc.buyer.apiKeys.create.mutationOptions({
      onSuccess: (result) => {
        setCreated(result);
        void invalidate();
      },
    }),
  );
  const revoke = useMutation(trpc.buyer.apiKeys.revoke.mutationOptions({ onSettled: invalidate }));

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader title="Create an API key" description="Use it as the Bearer token for the /v1 API. Revoked keys stop working within a second." />
        <CardBody className="space-y-4">
          <CreateNamedForm
            idPrefix="create-key"
            label="Key name"
            placeholder="e.g. production backend"
            submitLabel="Create key"
            pending={create.isPending}
            onCreate={(name) => create.mutateAsync({ name })}
          />
          {create.error ? <QueryError error={create.error} /> : null}
          {created ? <SecretReveal title={`API key "${created.name}" created`} secret={created.secret} testId="new-key-secret" onDismiss={() => setCreated(null)} /> : null}
        </CardBody>
      </Card>
      <Card>
        <CardHeader title="API keys" description="Settings on each key: rate, concurrency and monthly spend limits, and routing defaults for its requests." />
        <CardBody className="px-2">
          {keys.error ? <QueryError error={keys.error} /> : null}
          {revoke.error ? <QueryError error={revoke.error} /> : null}
          <ApiKeysTable keys={keys.data} revokingId={revoke.isPending ? (revoke.variables?.id ?? null) : null} onRevoke={(id) => revoke.mutate({ id })} />
        </CardBody>
      </Card>
    </div>
  );
}
