"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc/react";
import { Card, CardBody, CardHeader } from "../ui/card";
import { CodeBlock } from "../ui/code-block";

/** How to call the API, filled in with a model that is live on the market right now when there is one. */
export function ApiSnippet({ baseUrl }: { baseUrl: string }) {
  const trpc = useTRPC();
  const market = useQuery(trpc.market.offers.queryOptions());
  const model = market.data?.[0]?.model_id ?? "MODEL_ID";
  const apiBase = `${baseUrl}/v1`;
  const curl = [
    `curl ${apiBase}/chat/completions \\`,
    `  -H "Authorization: Bearer $SPOTLANE_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`,
  ].join("\n");
  return (
    <Card>
      <CardHeader
        title="Call the API"
        description={
          <>
            OpenAI-compatible. Base URL: <code data-testid="api-base-url" className="font-mono text-slate-900">{apiBase}</code> — any OpenAI client works with it
            and an API key from the Keys page.
          </>
        }
      />
      <CardBody>
        <CodeBlock code={curl} label="curl example" data-testid="api-snippet" />
      </CardBody>
    </Card>
  );
}
