import { CodeBlock } from "../ui/code-block";

/** The command a provider runs next to their GPU; fills in a fresh token when one was just created. */
export function AgentCommand({ baseUrl, token }: { baseUrl: string; token: string | null }) {
  const code = `npm run agent -- --server ${baseUrl} --token ${token ?? "<AGENT_TOKEN>"} --model path/to/model.gguf`;
  return <CodeBlock code={code} label="Agent command" data-testid="agent-command" />;
}
