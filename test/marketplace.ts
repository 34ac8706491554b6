import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedEngine } from "../agent/src/engine/embedded";
import { runAgent, type RunningAgent } from "../agent/src/run-agent";
import { createOrganizationForUser } from "../server/auth/create-organization";
import { createApiKey } from "../server/buyers/create-api-key";
import { readEnv } from "../server/env";
import { startServer, type RunningServer } from "../server/main";
import { createAgentToken } from "../server/providers/create-agent-token";
import { users } from "../db/schema";
import { newId } from "../lib/ids";
import { usdToNanos } from "../lib/money";
import { createTestDatabase, type DbKind } from "./database";
import { makeTinyModel, TINY_MODEL_ID } from "./tiny-model";

export type TestMarketplace = {
  server: RunningServer;
  baseUrl: string;
  close(): Promise<void>;
  /** Waits until every finished request is in the requests table and the ledger (settlement is asynchronous). */
  settled(): Promise<void>;
  /** A buyer organization with `credit_usd` of local test credit and an API key. */
  createBuyer(opts?: { credit_usd?: string }): Promise<{ organizationId: string; apiKey: string; apiKeyId: string }>;
  /** A provider organization and its agent token. */
  createProvider(): Promise<{ organizationId: string; agentToken: string }>;
  /** A real agent: embedded llama.cpp on the tiny model, serving over HTTP, registered with the marketplace. */
  startAgent(opts: { agentToken: string; askUsdPerSecond?: string; slots?: number; name?: string }): Promise<RunningAgent>;
};

export const tinyModelPath = () => join(tmpdir(), "spotlane-test-models", "spotlane-tiny.gguf");

/** The marketplace on a fresh database, without the dashboard (gateway + agent API only). */
export async function startTestMarketplace(kind: DbKind): Promise<TestMarketplace> {
  const database = await createTestDatabase(kind);
  const env = readEnv({ PORT: "0", DATA_DIR: mkdtempSync(join(tmpdir(), "spotlane-data-")), SPOTLANE_DEMO: "false", TEST_CREDIT_USD: "0", LOG_LEVEL: "silent" });
  const server = await startServer({ env, web: false, database });
  const agents: RunningAgent[] = [];
  const rt = server.runtime;

  const newOrg = async (label: string, credit_nanos: bigint) => {
    const userId = newId("user");
    await rt.database.db.insert(users).values({ id: userId, name: label, email: `${userId}@test.local` });
    return { userId, ...(await createOrganizationForUser(rt.database.db, { userId, name: label, roles: "admin", testCreditNanos: credit_nanos })) };
  };

  return {
    server,
    baseUrl: server.url,
    settled: () => rt.settlements!.flush(),
    async createBuyer(opts = {}) {
      const org = await newOrg("buyer", usdToNanos(opts.credit_usd ?? "10"));
      const key = await createApiKey(rt.services, { organizationId: org.organizationId, userId: org.userId, name: "test" });
      return { organizationId: org.organizationId, apiKey: key.secret, apiKeyId: key.id };
    },
    async createProvider() {
      const org = await newOrg("provider", 0n);
      const token = await createAgentToken(rt.services, { organizationId: org.organizationId, name: "test" });
      return { organizationId: org.organizationId, agentToken: token.token };
    },
    async startAgent(opts) {
      const model = await makeTinyModel(tinyModelPath());
      const engine = await createEmbeddedEngine({ modelPath: model.path, slots: opts.slots ?? 2, contextSize: 1024 });
      const agent = await runAgent({
        serverUrl: server.url,
        token: opts.agentToken,
        engine,
        modelId: TINY_MODEL_ID,
        askUsdPerSecond: opts.askUsdPerSecond ?? "0.0001",
        name: opts.name ?? `agent-${agents.length}`,
        benchmark: { decode_tokens_per_second: 500, prefill_tokens_per_second: 2000, ttft_ms: 20 },
        log: () => {},
      });
      agents.push(agent);
      return agent;
    },
    async close() {
      for (const a of agents) await a.drain(5_000);
      await server.close();
      await database.close();
    },
  };
}
