import { and, eq } from "drizzle-orm";
import type { Queryable } from "../../../db/client";
import { apiKeys } from "../../../db/schema";
import { EXPORT_SPECS } from "../../../lib/export-catalog";
import type { Viewer } from "../../auth/load-viewer";
import { hasRole } from "../../auth/roles";
import { ServiceError } from "../../errors";
import { canUsePlatformFinance } from "../access";
import type { ExportFilter } from "./export-definition";
import type { ExportRequest } from "./parse-export-query";

/**
 * Who may download what (lib/export-catalog.ts scopes): platform finance any kind for any organization; anyone
 * else only an organization-scoped kind, as a buyer or finance member, for their active organization only (a
 * different `organization` is refused, not silently replaced, so a shared link never shows the wrong figures).
 * A `key` must be one of the organization's keys (404 otherwise: a foreign key's existence is not confirmed).
 */
export async function authorizeExport(q: Queryable, input: { operatorEmails: readonly string[]; viewer: Viewer | null; request: ExportRequest }): Promise<ExportFilter> {
  const { viewer, request } = input;
  if (!viewer) throw new ServiceError("unauthenticated", "Sign in to download exports.");
  const spec = EXPORT_SPECS[request.kind];
  let organizationId = request.organizationId;
  if (!canUsePlatformFinance(input.operatorEmails, viewer.user.email, viewer.organization?.memberRole)) {
    if (spec.scope !== "organization") throw new ServiceError("forbidden", `The ${spec.label.toLowerCase()} export is for platform finance only.`);
    const org = viewer.organization;
    if (!org || !(hasRole(org.memberRole, "buyer") || hasRole(org.memberRole, "finance"))) {
      throw new ServiceError("forbidden", "This export needs the buyer or finance role in your organization.");
    }
    if (organizationId && organizationId !== org.id) throw new ServiceError("forbidden", "You can export your own organization only.");
    organizationId = org.id;
  }
  if (request.apiKeyId) {
    const where = organizationId ? and(eq(apiKeys.id, request.apiKeyId), eq(apiKeys.organizationId, organizationId)) : eq(apiKeys.id, request.apiKeyId);
    const [key] = await q.select({ id: apiKeys.id }).from(apiKeys).where(where).limit(1);
    if (!key) throw new ServiceError("not_found", organizationId ? "No such API key in this organization." : "No such API key.");
  }
  return { period: request.period, organizationId, apiKeyId: request.apiKeyId, modelId: request.modelId };
}
