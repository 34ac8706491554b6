import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocateClawback, type HeldFromBuyer } from "./allocate-clawback";

/** Held amounts around the edges: a few nanos (remainders matter), dollars, and large; some zero or negative. */
const heldNanos = fc.oneof(fc.bigInt({ min: -5n, max: 20n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 17n }));
const orgId = fc.constantFrom("org_a", "org_b", "org_c", "org_d", "org_e", "org_f", "org_A", "org_0");
const heldList = fc.array(fc.record({ organizationId: orgId, held_nanos: heldNanos }), { maxLength: 8 });
const shortfall = fc.oneof(fc.bigInt({ min: -3n, max: 30n }), fc.bigInt({ min: 0n, max: 10n ** 13n }), fc.bigInt({ min: 0n, max: 10n ** 18n }));

/** What each organization holds (repeats summed, non-positive ignored), as the allocator must read it. */
function heldByOrg(held: readonly HeldFromBuyer[]): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const h of held) if (h.held_nanos > 0n) m.set(h.organizationId, (m.get(h.organizationId) ?? 0n) + h.held_nanos);
  return m;
}

describe("allocateClawback", () => {
  it("takes exactly min(shortfall, Σ held), each share in (0, held], one line per holder at most, sorted", () => {
    fc.assert(
      fc.property(shortfall, heldList, (shortfall_nanos, held) => {
        const shares = allocateClawback(shortfall_nanos, held);
        const byOrg = heldByOrg(held);
        const total_held = [...byOrg.values()].reduce((s, h) => s + h, 0n);
        const want = shortfall_nanos <= 0n ? 0n : shortfall_nanos < total_held ? shortfall_nanos : total_held;
        expect(shares.reduce((s, x) => s + x.clawback_nanos, 0n)).toBe(want);
        for (const s of shares) {
          expect(s.clawback_nanos > 0n).toBe(true);
          expect(s.clawback_nanos <= byOrg.get(s.organizationId)!).toBe(true);
        }
        const ids = shares.map((s) => s.organizationId);
        expect(new Set(ids).size).toBe(ids.length);
        expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
      }),
    );
  });

  it("is pro rata: every share is its exact part T·held/Σheld rounded down or up, never further", () => {
    fc.assert(
      fc.property(shortfall, heldList, (shortfall_nanos, held) => {
        const shares = new Map(allocateClawback(shortfall_nanos, held).map((s) => [s.organizationId, s.clawback_nanos]));
        const byOrg = heldByOrg(held);
        const total_held = [...byOrg.values()].reduce((s, h) => s + h, 0n);
        if (shortfall_nanos <= 0n || total_held === 0n) {
          expect(shares.size).toBe(0);
          return;
        }
        const total = shortfall_nanos < total_held ? shortfall_nanos : total_held;
        for (const [org, h] of byOrg) {
          const floor = (total * h) / total_held;
          const got = shares.get(org) ?? 0n;
          expect(got === floor || got === floor + 1n).toBe(true);
          // A share with no fractional part is exact.
          if ((total * h) % total_held === 0n) expect(got).toBe(floor);
        }
      }),
    );
  });

  it("is deterministic: any order of the same holders gives the same lines", () => {
    fc.assert(
      fc.property(shortfall, heldList, fc.integer(), (shortfall_nanos, held, seed) => {
        // A seeded Fisher–Yates shuffle (fast-check supplies the seed, so a failure replays).
        const shuffled = [...held];
        let state = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
          const j = state % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(allocateClawback(shortfall_nanos, shuffled)).toEqual(allocateClawback(shortfall_nanos, held));
      }),
    );
  });

  it("takes everything held when the shortfall is at least Σ held", () => {
    fc.assert(
      fc.property(heldList, fc.bigInt({ min: 0n, max: 10n ** 12n }), (held, extra) => {
        const byOrg = heldByOrg(held);
        const total_held = [...byOrg.values()].reduce((s, h) => s + h, 0n);
        const shares = allocateClawback(total_held + extra, held);
        expect(new Map(shares.map((s) => [s.organizationId, s.clawback_nanos]))).toEqual(byOrg);
      }),
    );
  });

  it("gives leftover nanos to the largest remainders, ties to the lower organization id", () => {
    // 10 over 3 equal holders: 3 each, the one nano left goes to the lowest id.
    expect(allocateClawback(10n, [{ organizationId: "org_c", held_nanos: 5n }, { organizationId: "org_a", held_nanos: 5n }, { organizationId: "org_b", held_nanos: 5n }])).toEqual([
      { organizationId: "org_a", clawback_nanos: 4n },
      { organizationId: "org_b", clawback_nanos: 3n },
      { organizationId: "org_c", clawback_nanos: 3n },
    ]);
    // 5 over held 3 and 7 (of 10): exact 1.5 and 3.5, equal remainders: the lower id gets the nano.
    expect(allocateClawback(5n, [{ organizationId: "org_b", held_nanos: 3n }, { organizationId: "org_a", held_nanos: 7n }])).toEqual([
      { organizationId: "org_a", clawback_nanos: 4n },
      { organizationId: "org_b", clawback_nanos: 1n },
    ]);
    // 2 over held 1, 1, 8: exact 0.2, 0.2, 1.6 → the largest remainder (org_c's) gets it; no zero lines.
    expect(allocateClawback(2n, [{ organizationId: "org_a", held_nanos: 1n }, { organizationId: "org_b", held_nanos: 1n }, { organizationId: "org_c", held_nanos: 8n }])).toEqual([{ organizationId: "org_c", clawback_nanos: 2n }]);
  });

  it("takes nothing for no shortfall or nothing held", () => {
    expect(allocateClawback(0n, [{ organizationId: "org_a", held_nanos: 5n }])).toEqual([]);
    expect(allocateClawback(-7n, [{ organizationId: "org_a", held_nanos: 5n }])).toEqual([]);
    expect(allocateClawback(7n, [])).toEqual([]);
    expect(allocateClawback(7n, [{ organizationId: "org_a", held_nanos: 0n }, { organizationId: "org_b", held_nanos: -3n }])).toEqual([]);
  });
});
