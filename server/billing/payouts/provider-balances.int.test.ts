import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import { usdToNanos } from "../../../lib/money";
import { createTestDatabase, DB_KINDS } from "../../../test/database";
import { createOrganizationForUser } from "../../auth/create-organization";
import { postJournalEntry } from "../post-journal-entry";
import { DEFAULT_PAYOUT_POLICY } from "./policy";
import { getProviderPayoutBalances } from "./provider-balances";

const usd = (n: number) => usdToNanos(String(n));
const DAY_MS = 86_400_000;
const T0 = new Date("2026-03-02T00:00:00Z");
const day = (n: number) => new Date(T0.getTime() + n * DAY_MS);

describe.each(DB_KINDS)("provider balances: the hold (%s)", (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const mkOrg = async () => {
    const userId = newId("user");
    await database.db.insert(users).values({ id: userId, name: "u", email: `${userId}@t.local` });
    return (await createOrganizationForUser(database.db, { userId, name: "o", roles: "admin", testCreditNanos: 0n })).organizationId;
  };
  /** A settlement (buyer pays, provider earns) or a clawback (the reverse), posted at `at`. */
  const post = (kindName: "request_settlement" | "clawback", buyer: string, provider: string, amount_usd: number, at: Date) => {
    const x = usd(amount_usd);
    const sign = kindName === "clawback" ? -1n : 1n;
    return database.db.transaction((tx) =>
      postJournalEntry(tx, {
        kind: kindName,
        idempotencyKey: `${kindName}:${newId("request")}`,
        at,
        lines: [
          { account: "provider_earnings", organizationId: provider, amount_nanos: sign * x },
          { account: "buyer_balance", organizationId: buyer, amount_nanos: -sign * x },
        ],
      }),
    );
  };
  const balances = (organizationId: string, now: Date) => getProviderPayoutBalances(database.db, { organizationId, now, policy: DEFAULT_PAYOUT_POLICY });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.close());

  it("a clawback that outlives the earnings it took does not cancel the hold of earnings made after it", async () => {
    const [provider, stolenA, stolenB] = [await mkOrg(), await mkOrg(), await mkOrg()];
    await post("request_settlement", stolenA, provider, 100, day(0));
    await post("clawback", stolenA, provider, 100, day(6)); // disputed while on hold: all of it clawed back
    await post("request_settlement", stolenB, provider, 100, day(7.5)); // new earnings, after day 0's left the window
    const now = await balances(provider, day(7.6));
    expect(now.balance_nanos).toBe(usd(100));
    expect(now.on_hold_nanos).toBe(usd(100));
    expect(now.payable_nanos).toBe(0n);
    // Day 0's clawback stays in the window until day 13, yet day 7.5's earnings are payable on day 14.5 as usual.
    expect((await balances(provider, day(14.6))).payable_nanos).toBe(usd(100));
  });

  it("a clawback of earnings still in the window shrinks the hold (payable untouched); the rest is payable when they age out", async () => {
    const [provider, buyer] = [await mkOrg(), await mkOrg()];
    await post("request_settlement", buyer, provider, 30, day(-10)); // already payable
    await post("request_settlement", buyer, provider, 100, day(0));
    await post("clawback", buyer, provider, 40, day(3));
    const during = await balances(provider, day(4));
    expect(during).toMatchObject({ balance_nanos: usd(90), on_hold_nanos: usd(60), payable_nanos: usd(30) });
    const after = await balances(provider, day(7.1));
    expect(after).toMatchObject({ on_hold_nanos: 0n, payable_nanos: usd(90) });
  });
});
