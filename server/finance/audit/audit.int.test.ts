import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../../db/schema";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { DEFAULT_PAYOUT_POLICY } from "../../billing/payouts/policy";
import type { ServiceContext } from "../../context";
import { AUDIT_ACTIONS, type AuditAction } from "./actions";
import { listAudit } from "./list-audit";
import { recordAudit } from "./record-audit";
import { payoutPolicySetting, recordSettingsChanges } from "./record-settings-changes";
import type { AuditEntryView } from "./types";

describe.each(DB_KINDS)("audit log on %s", (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ctx: ServiceContext;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ctx = { db: database.db, now: () => new Date(), platform_fee_bps: 1000, test_credit_nanos: 0n };
  });
  afterAll(async () => database?.close());

  /** Every page of `limit`, each starting before the last entry of the one before, until a short page. */
  async function allPages(limit: number, action?: AuditAction): Promise<AuditEntryView[][]> {
    const pages: AuditEntryView[][] = [];
    for (let before: { at: Date; id: string } | undefined; ; ) {
      const page = await listAudit(ctx, { limit, action, before });
      pages.push(page);
      if (page.length < limit) return pages;
      before = { at: page.at(-1)!.at, id: page.at(-1)!.id };
    }
  }

  it("lists newest first and pages by (at, id) without skipping or repeating entries that share an instant", async () => {
    const base = Date.UTC(2026, 10, 5, 12);
    const actions: AuditAction[] = ["export", "period.close", "payouts.run"];
    // 30 entries over 8 instants: most instants shared by several entries.
    for (let i = 0; i < 30; i++) {
      await recordAudit(ctx.db, { actor: i % 5 === 0 ? null : { userId: `user_${i}`, email: `f${i}@test.local` }, action: actions[i % 3]!, subject: `s${i}`, details: { n: String(i) }, at: new Date(base + (i % 8) * 1000) });
    }
    const everything = (await listAudit(ctx, { limit: 200 })).filter((e) => e.subject?.startsWith("s"));
    expect(everything).toHaveLength(30);
    for (let i = 1; i < everything.length; i++) {
      const [a, b] = [everything[i - 1]!, everything[i]!];
      expect(a.at.getTime() > b.at.getTime() || (a.at.getTime() === b.at.getTime() && a.id > b.id)).toBe(true);
    }
    const all = await listAudit(ctx, { limit: 200 });
    for (const limit of [1, 4, 7, 30]) {
      const pages = await allPages(limit);
      expect(pages.flat().map((e) => e.id)).toEqual(all.map((e) => e.id));
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
    }
    const closes = (await allPages(3, "period.close")).flat();
    expect(closes.map((e) => e.id)).toEqual(all.filter((e) => e.action === "period.close").map((e) => e.id));
    expect(closes).toHaveLength(10);
    const one = all.find((e) => e.subject === "s7")!;
    expect(one).toMatchObject({ action: "period.close", actor_email: "f7@test.local", organization_id: null, details: { n: "7" } });
    expect(all.find((e) => e.subject === "s5")!.actor_email).toBeNull();

    for (const limit of [0, 201, 2.5]) await expect(listAudit(ctx, { limit })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(listAudit(ctx, { limit: 5, action: "nope" as AuditAction })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(listAudit(ctx, { limit: 5, before: { at: new Date(NaN), id: "aud_x" } })).rejects.toMatchObject({ code: "invalid_input" });
    expect(AUDIT_ACTIONS).toContain("settings.platform_fee");
  });

  it("records the platform fee and payout policy on the first start, nothing on a start with the same settings, each change once", async () => {
    const settings = async (action: AuditAction) => (await database.db.select().from(auditLog).where(eq(auditLog.action, action))).sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : 1));
    let t = Date.UTC(2026, 11, 1);
    const start = (over: Partial<ServiceContext> = {}) => recordSettingsChanges({ ...ctx, now: () => new Date((t += 1000)), ...over });

    // Two processes starting at once on a fresh log: one entry each, not two.
    await Promise.all([start(), start()]);
    await start();
    let fee = await settings("settings.platform_fee");
    let policy = await settings("settings.payout_policy");
    expect(fee.map((e) => e.details)).toEqual([{ from: null, to: "1000" }]);
    expect(policy.map((e) => e.details)).toEqual([{ from: null, to: payoutPolicySetting(DEFAULT_PAYOUT_POLICY) }]);
    expect(fee[0]).toMatchObject({ actorUserId: null, actorEmail: null });
    expect(payoutPolicySetting(DEFAULT_PAYOUT_POLICY)).toEqual({ hold_ms: "604800000", minimum_nanos: "10000000000", run_interval_ms: "604800000", early_interval_ms: "86400000" });

    await start({ platform_fee_bps: 1250 });
    await start({ platform_fee_bps: 1250 });
    fee = await settings("settings.platform_fee");
    expect(fee.map((e) => e.details)).toEqual([{ from: null, to: "1000" }, { from: "1000", to: "1250" }]);
    expect(await settings("settings.payout_policy")).toHaveLength(1);

    const changed = { ...DEFAULT_PAYOUT_POLICY, hold_ms: 3 * 86_400_000, minimum_nanos: 25_000_000_000n };
    await start({ platform_fee_bps: 1250, payout_policy: changed });
    await start({ platform_fee_bps: 1250, payout_policy: { ...changed } });
    policy = await settings("settings.payout_policy");
    expect(policy.map((e) => e.details)).toEqual([
      { from: null, to: payoutPolicySetting(DEFAULT_PAYOUT_POLICY) },
      { from: payoutPolicySetting(DEFAULT_PAYOUT_POLICY), to: { ...payoutPolicySetting(DEFAULT_PAYOUT_POLICY), hold_ms: "259200000", minimum_nanos: "25000000000" } },
    ]);
    expect(await settings("settings.platform_fee")).toHaveLength(2);

    // Back to the first settings: a change again (the log says what was in force, not what was ever seen).
    await start();
    expect((await settings("settings.platform_fee")).at(-1)!.details).toEqual({ from: "1250", to: "1000" });
    expect(await settings("settings.payout_policy")).toHaveLength(3);
  });
});
