import { Writable } from "node:stream";
import { parse } from "csv-parse/sync";
import type { Db } from "../../../db/client";
import { users } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import type { ExportKind } from "../../../lib/export-catalog";
import { createOrganizationForUser } from "../../auth/create-organization";
import type { RequestOutcome } from "../../billing/request-outcome";
import { createApiKey } from "../../buyers/create-api-key";
import type { ServiceContext } from "../../context";
import type { ExportFilter } from "./export-definition";
import { runExport } from "./run-export";

/** Test data for the export tests: organizations, keys and settled requests through the real settlement path. */

export function testServices(db: Db, platform_fee_bps = 1_250): ServiceContext {
  return { db, now: () => new Date(), platform_fee_bps, test_credit_nanos: 0n };
}

export async function createTestOrganization(db: Db, name: string, roles = "admin"): Promise<{ organizationId: string; userId: string }> {
  const userId = newId("user");
  await db.insert(users).values({ id: userId, name, email: `${userId}@exports.test` });
  const { organizationId } = await createOrganizationForUser(db, { userId, name, roles, testCreditNanos: 0n });
  return { organizationId, userId };
}

export async function createTestKey(db: Db, organizationId: string, userId: string, name: string): Promise<string> {
  return (await createApiKey(testServices(db), { organizationId, userId, name })).id;
}

/** One request outcome with sane defaults; settle it with settleBatch. */
export function outcome(input: {
  organizationId: string;
  apiKeyId: string;
  providerOrganizationId: string;
  modelId: string;
  completedAt: Date;
  price_nanos_per_second: bigint;
  billed_ms: number;
  status?: RequestOutcome["status"];
}): RequestOutcome {
  const compute_ms = input.billed_ms + 7;
  return {
    requestId: newId("request"),
    organizationId: input.organizationId,
    apiKeyId: input.apiKeyId,
    offerId: "off_01jd0000000000000000000000",
    machineId: "mach_01jd0000000000000000000000",
    providerOrganizationId: input.providerOrganizationId,
    modelId: input.modelId,
    hardwareClass: "rtx-4090",
    endpoint: "/v1/chat/completions",
    stream: input.billed_ms % 2 === 0,
    status: input.status ?? "completed",
    errorCode: input.status === "failed" ? "upstream_error" : null,
    price_nanos_per_second: input.price_nanos_per_second,
    bid_nanos_per_second: null,
    compute_ms,
    served_ms: input.billed_ms,
    quote_ms: null,
    billed_ms: input.billed_ms,
    ttft_ms: input.status === "failed" ? null : 42,
    prompt_tokens: 12,
    completion_tokens: 34,
    dispatchedAt: new Date(input.completedAt.getTime() - compute_ms),
    completedAt: input.completedAt,
    hold: "reservation",
  };
}

/** A Writable that keeps every byte, for comparing exports byte for byte. */
export function byteSink(): { sink: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

/** Runs an export into memory: its bytes and its rows read back with csv-parse (header row as keys). */
export async function exportToMemory(db: Db, kind: ExportKind, filter: Partial<ExportFilter> & Pick<ExportFilter, "period">): Promise<{ bytes: Buffer; rows: Record<string, string>[]; written: number }> {
  const { sink, bytes } = byteSink();
  const { rows: written } = await runExport(db, kind, { organizationId: null, apiKeyId: null, modelId: null, ...filter }, sink);
  const buf = bytes();
  return { bytes: buf, rows: parse(buf, { columns: true }) as Record<string, string>[], written };
}

/** Σ of one CSV column as nanos (bigint, exact). */
export function sumColumn(rows: Record<string, string>[], column: string): bigint {
  return rows.reduce((s, r) => s + BigInt(r[column] || "0"), 0n);
}
