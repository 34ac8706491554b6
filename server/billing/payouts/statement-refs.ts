import type { StatementLineKind } from "./statement-types";

/** A journal entry's kind → the statement line kind it shows as (request settlements are grouped into earnings). */
export function statementLineKind(entry_kind: string): StatementLineKind {
  switch (entry_kind) {
    case "request_settlement":
      return "earnings";
    case "clawback":
    case "clawback_release":
    case "payout":
    case "payout_failure":
    case "payout_reversal":
      return entry_kind;
    default:
      return "other";
  }
}

export type EntryRefs = { payout_id: string | null; stripe_reversal_id: string | null; clawback_source: string | null };

/**
 * What a payout-side entry's idempotency key names (README "Journal entries": `payout:<pyt>`,
 * `payout:<pyt>:transferred|failed`, `transfer_reversal:<trr>`, `clawback:<source key>[:released]`). Pure, so a
 * statement needs no join per kind. A key of another shape names nothing.
 */
export function refsFromPayoutKey(key: string): EntryRefs {
  const none: EntryRefs = { payout_id: null, stripe_reversal_id: null, clawback_source: null };
  const payout = /^payout:([^:]+)(?::(?:transferred|failed))?$/.exec(key);
  if (payout) return { ...none, payout_id: payout[1]! };
  const reversal = /^transfer_reversal:([^:]+)$/.exec(key);
  if (reversal) return { ...none, stripe_reversal_id: reversal[1]! };
  // The source key itself may hold colons (`dispute:dp_…:withdrawn`); only a trailing `:released` is ours.
  const clawback = /^clawback:(.+?)(?::released)?$/.exec(key);
  if (clawback) return { ...none, clawback_source: clawback[1]! };
  return none;
}
