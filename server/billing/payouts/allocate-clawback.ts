/** What one provider has on hold from one buyer's requests, nano-USD (README "Clawback"). */
export type HeldFromBuyer = { organizationId: string; held_nanos: bigint };
/** What a clawback takes from one provider, nano-USD, always > 0. */
export type ClawbackShare = { organizationId: string; clawback_nanos: bigint };

/**
 * Splits a buyer's shortfall over the providers holding that buyer's earnings, pro rata by what each holds
 * (README "Clawback"). Exact to the nano: total = min(shortfall, Σ held), each share ≤ its held, no zero
 * shares. Deterministic: floor shares first, then the nanos left over go one each to the largest remainders
 * (ties: lower organization id), so a retry or a second database computes the same lines.
 * Non-positive held amounts hold nothing; repeated organizations are summed. Sorted by organization id.
 */
export function allocateClawback(shortfall_nanos: bigint, held: readonly HeldFromBuyer[]): ClawbackShare[] {
  const byOrg = new Map<string, bigint>();
  for (const h of held) if (h.held_nanos > 0n) byOrg.set(h.organizationId, (byOrg.get(h.organizationId) ?? 0n) + h.held_nanos);
  const holders = [...byOrg].map(([organizationId, held_nanos]) => ({ organizationId, held_nanos })).sort((a, b) => compareIds(a.organizationId, b.organizationId));
  const total_held_nanos = holders.reduce((s, h) => s + h.held_nanos, 0n);
  if (shortfall_nanos <= 0n || total_held_nanos === 0n) return [];
  const total_nanos = shortfall_nanos < total_held_nanos ? shortfall_nanos : total_held_nanos;

  const shares = holders.map((h) => {
    const exact = total_nanos * h.held_nanos;
    return { organizationId: h.organizationId, clawback_nanos: exact / total_held_nanos, remainder: exact % total_held_nanos };
  });
  // Σ floors ≤ total, and what is left is fewer than the shares with a non-zero remainder (each remainder is
  // < one nano), so every +1 goes to a share whose exact value was above its floor: it stays ≤ its held.
  let left_nanos = total_nanos - shares.reduce((s, x) => s + x.clawback_nanos, 0n);
  const byRemainder = [...shares].sort((a, b) => (a.remainder === b.remainder ? compareIds(a.organizationId, b.organizationId) : a.remainder > b.remainder ? -1 : 1));
  for (const s of byRemainder) {
    if (left_nanos === 0n) break;
    s.clawback_nanos += 1n;
    left_nanos -= 1n;
  }
  return shares.filter((s) => s.clawback_nanos > 0n).map(({ organizationId, clawback_nanos }) => ({ organizationId, clawback_nanos }));
}

/** Code-unit order, the same on every machine and locale (localeCompare is not). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
