import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { agentTokens, apiKeys, machines, offers, organizations, requests } from "../db/schema";
import { newId } from "../lib/ids";

/**
 * Direct rows for market tests: organizations, offers on machines and finished requests, without agents
 * or the gateway (the clearing tick only reads these tables). Ids follow the real prefixes.
 */
export async function seedOrganization(db: Db, label: string): Promise<{ organizationId: string; apiKeyId: string; agentTokenId: string }> {
  const organizationId = newId("organization");
  await db.insert(organizations).values({ id: organizationId, name: label, slug: `${label}-${randomBytes(4).toString("hex")}` });
  const apiKeyId = newId("apiKey");
  await db.insert(apiKeys).values({ id: apiKeyId, organizationId, name: "test", keyPrefix: apiKeyId.slice(0, 16), keyHash: randomBytes(32).toString("hex") });
  const agentTokenId = newId("agentToken");
  await db.insert(agentTokens).values({ id: agentTokenId, organizationId, name: "test", tokenPrefix: agentTokenId.slice(0, 16), tokenHash: randomBytes(32).toString("hex") });
  return { organizationId, apiKeyId, agentTokenId };
}

export type SeedOffer = {
  org: { organizationId: string; agentTokenId: string };
  model_id: string;
  hardware_class: string;
  ask_nanos_per_second: bigint;
  slots: number;
  heartbeat_at: Date;
  machine_status?: "online" | "draining" | "offline";
  verification_status?: "verified" | "unverified" | "suspended";
};

export async function seedOffer(db: Db, o: SeedOffer): Promise<{ offerId: string; machineId: string }> {
  const machineId = newId("machine");
  await db.insert(machines).values({
    id: machineId,
    organizationId: o.org.organizationId,
    agentTokenId: o.org.agentTokenId,
    name: machineId,
    hardwareClass: o.hardware_class,
    hardware: { gpus: [] } as never,
    agentVersion: "test",
    endpointUrl: "http://127.0.0.1:9",
    secret: "test",
    status: o.machine_status ?? "online",
    lastHeartbeatAt: o.heartbeat_at,
  });
  const offerId = newId("offer");
  await db.insert(offers).values({
    id: offerId,
    machineId,
    organizationId: o.org.organizationId,
    modelId: o.model_id,
    hardwareClass: o.hardware_class,
    slots: o.slots,
    askNanosPerSecond: o.ask_nanos_per_second,
    engine: "test",
    engineVersion: "test",
    contextSize: 1024,
    claimedDecodeTokensPerSecond: 100,
    claimedPrefillTokensPerSecond: 1000,
    claimedTtftMs: 10,
    status: "live",
    verificationStatus: o.verification_status ?? "verified",
  });
  return { offerId, machineId };
}

/** `count` finished requests of `compute_ms` each, completing evenly over [from, to). */
export async function seedRequests(
  db: Db,
  r: { buyer: { organizationId: string; apiKeyId: string }; provider: { organizationId: string }; offer: { offerId: string; machineId: string }; model_id: string; hardware_class: string; count: number; compute_ms: number; from: Date; to: Date },
): Promise<void> {
  const span = r.to.getTime() - r.from.getTime();
  const rows = Array.from({ length: r.count }, (_, i) => {
    const completedAt = new Date(r.from.getTime() + Math.floor((span * i) / r.count));
    return {
      id: newId("request"),
      organizationId: r.buyer.organizationId,
      apiKeyId: r.buyer.apiKeyId,
      offerId: r.offer.offerId,
      machineId: r.offer.machineId,
      providerOrganizationId: r.provider.organizationId,
      modelId: r.model_id,
      hardwareClass: r.hardware_class,
      endpoint: "chat.completions",
      stream: false,
      status: "completed",
      priceNanosPerSecond: 0n,
      computeMs: r.compute_ms,
      promptTokens: 1,
      completionTokens: 1,
      costNanos: 0n,
      providerEarningsNanos: 0n,
      platformFeeNanos: 0n,
      dispatchedAt: new Date(completedAt.getTime() - r.compute_ms),
      completedAt,
    };
  });
  for (let i = 0; i < rows.length; i += 1_000) await db.insert(requests).values(rows.slice(i, i + 1_000));
}
