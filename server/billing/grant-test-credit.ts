import type { Queryable } from "../../db/client";
import { postJournalEntry } from "./post-journal-entry";

/**
 * Local test credit for the embedded default (no Stripe keys): labelled as such everywhere,
 * funded from the `test_credit_grants` account so the ledger still balances. Once per key.
 */
export async function grantTestCredit(q: Queryable, input: { organizationId: string; amount_nanos: bigint; idempotencyKey: string; at: Date }) {
  return postJournalEntry(q, {
    kind: "test_credit_grant",
    idempotencyKey: input.idempotencyKey,
    memo: "Local test balance (not a charge)",
    at: input.at,
    lines: [
      { account: "buyer_balance", organizationId: input.organizationId, amount_nanos: input.amount_nanos },
      { account: "test_credit_grants", organizationId: null, amount_nanos: -input.amount_nanos },
    ],
  });
}
