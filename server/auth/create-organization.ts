import { randomBytes } from "node:crypto";
import type { Db } from "../../db/client";
import { members, organizations } from "../../db/schema";
import { newId } from "../../lib/ids";
import { grantTestCredit } from "../billing/grant-test-credit";

function slugify(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "org";
  return `${base}-${randomBytes(3).toString("hex")}`;
}

/** Creates an organization with the user as its first member, and grants the local test credit. */
export async function createOrganizationForUser(db: Db, input: { userId: string; name: string; roles: string; testCreditNanos: bigint; organizationId?: string }) {
  const organizationId = input.organizationId ?? newId("organization");
  const now = new Date();
  await db.transaction(async (tx) => {
    await tx.insert(organizations).values({ id: organizationId, name: input.name, slug: slugify(input.name), createdAt: now });
    await tx.insert(members).values({ id: newId("member"), organizationId, userId: input.userId, role: input.roles, createdAt: now });
    if (input.testCreditNanos > 0n) {
      await grantTestCredit(tx, { organizationId, amount_nanos: input.testCreditNanos, idempotencyKey: `test-credit:${organizationId}`, at: now });
    }
  });
  return { organizationId };
}
