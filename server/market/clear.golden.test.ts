import { describe, expect, it } from "vitest";
import { clearMarket, DEFAULT_CLEARING_SETTINGS, type ClearingResult, type MarketInput } from "./clear";
import type { Ask, DemandLevel } from "./curves";

/** Named scenarios with hand-checked numbers, at the default settings: 80% target, 5% per tick, 25% depth, ceiling 10× the ask half the slots are at or below. */
type Book = { asks: Ask[]; demand: DemandLevel[] };

function ticks(books: Book[], previous: bigint | null = null): ClearingResult[] {
  const out: ClearingResult[] = [];
  for (const book of books) {
    const r = clearMarket({ ...book, previous_spot_nanos_per_second: previous } satisfies MarketInput, DEFAULT_CLEARING_SETTINGS);
    out.push(r);
    previous = r.spot_nanos_per_second;
  }
  return out;
}
const repeat = (book: Book, n: number) => Array.from({ length: n }, () => book);
const spots = (rs: ClearingResult[]) => rs.map((r) => r.spot_nanos_per_second);

const A: Ask = { ask_nanos_per_second: 100_000n, slots: 4, live: true };
const B: Ask = { ask_nanos_per_second: 150_000n, slots: 4, live: true };
const C: Ask = { ask_nanos_per_second: 300_000n, slots: 8, live: true };
const unbid = (demand_millislots: number): DemandLevel => ({ bid_nanos_per_second: null, demand_millislots });
const bid = (bid_nanos_per_second: bigint, demand_millislots: number): DemandLevel => ({ bid_nanos_per_second, demand_millislots });
/** Two bidders, one slot each: X tops out at 200k, Y at 400k. */
const bidders = [bid(200_000n, 1_000), bid(400_000n, 1_000)];

describe("clearing golden scenarios", () => {
  it("empty market: no live supply has no price, whatever the demand", () => {
    expect(ticks([{ asks: [], demand: [] }])[0]).toMatchObject({ spot_nanos_per_second: null, supply_slots: 0, shortage: false });
    expect(ticks([{ asks: [{ ...A, live: false }], demand: [unbid(500)] }])[0]).toMatchObject({ spot_nanos_per_second: null, total_demand_millislots: 500, demand_millislots: 0, shortage: true });
    expect(ticks([{ asks: [{ ...A, slots: 0 }], demand: [] }], 250_000n)[0]!.spot_nanos_per_second).toBeNull();
  });

  it("quiet market: no demand prices at the reference, the lowest ask with 25% of live slots at or below it", () => {
    // A's 4 slots are a quarter of 16: the cheapest offer holds the depth, so the reference is its ask.
    expect(ticks([{ asks: [B, A, C], demand: [] }])[0]).toMatchObject({ spot_nanos_per_second: 100_000n, reference_nanos_per_second: 100_000n, supply_slots: 4, total_supply_slots: 16, utilization: 0, limited_by: null });
    // With 20 slots live, 4 are short of the 5 the depth needs: B's ask is the reference and both serve.
    expect(ticks([{ asks: [B, A, C, { ...C, slots: 4 }], demand: [] }])[0]).toMatchObject({ spot_nanos_per_second: 150_000n, reference_nanos_per_second: 150_000n, supply_slots: 8, total_supply_slots: 20 });
    // From a high previous price it walks down 5% a tick rather than crashing.
    expect(spots(ticks(repeat({ asks: [A], demand: [] }, 3), 120_000n))).toEqual([114_000n, 108_300n, 102_885n]);
  });

  it("single provider: covered demand stays at the ask; demand past 80% of its slots goes to shortage and climbs to the ceiling", () => {
    const covered = ticks([{ asks: [A], demand: [unbid(3_200)] }])[0]!;
    expect(covered).toMatchObject({ spot_nanos_per_second: 100_000n, supply_slots: 4, demand_millislots: 3_200, utilization: 0.8, shortage: false });

    const short = ticks(repeat({ asks: [A], demand: [unbid(3_300)] }, 60));
    expect(short[0]).toMatchObject({ spot_nanos_per_second: 105_000n, shortage: true, target_nanos_per_second: null, limited_by: "max_move" });
    expect(spots(short.slice(0, 4))).toEqual([105_000n, 110_250n, 115_762n, 121_550n]);
    expect(short.at(-1)).toMatchObject({ spot_nanos_per_second: 1_000_000n, ceiling_nanos_per_second: 1_000_000n, limited_by: "ceiling" });

    // A bidder in the book caps the climb: the price stops one nano above the bid that makes the rest fit.
    const priced = ticks(repeat({ asks: [A], demand: [unbid(1_000), bid(120_000n, 3_000)] }, 6));
    expect(spots(priced)).toEqual([105_000n, 110_250n, 115_762n, 120_001n, 120_001n, 120_001n]);
    expect(priced.at(-1)).toMatchObject({ target_nanos_per_second: 120_001n, demand_millislots: 1_000, total_demand_millislots: 4_000 });
  });

  it("surge: demand triples, the price climbs 5% a tick until the 300k provider covers it, then eases back", () => {
    const calm: Book = { asks: [A, B, C], demand: [unbid(2_000), ...bidders] };
    const surge: Book = { asks: [A, B, C], demand: [unbid(8_000), ...bidders] };
    const rs = ticks([...repeat(calm, 10), ...repeat(surge, 16), ...repeat(calm, 16)]);
    // Calm: 4 slots of demand exceed 80% of A's 4 slots, so B (150k) is brought in.
    expect(spots(rs.slice(0, 10))).toEqual([105_000n, 110_250n, 115_762n, 121_550n, 127_627n, 134_008n, 140_708n, 147_743n, 150_000n, 150_000n]);
    expect(rs[9]).toMatchObject({ target_nanos_per_second: 150_000n, supply_slots: 8, demand_millislots: 4_000, utilization: 0.5 });
    // Surge: 10 slots of demand; at 200,001 bidder X drops out (9 slots), still above 80% of 8; C at 300k covers it.
    expect(rs[10]).toMatchObject({ spot_nanos_per_second: 157_500n, target_nanos_per_second: 300_000n });
    expect(rs[15]).toMatchObject({ spot_nanos_per_second: 201_013n, demand_millislots: 9_000 });
    expect(rs[24]).toMatchObject({ spot_nanos_per_second: 300_000n, supply_slots: 16, demand_millislots: 9_000, limited_by: null });
    // Calm again: back down at most 5% a tick to 150k.
    expect(spots(rs.slice(26, 30))).toEqual([285_000n, 270_750n, 257_213n, 244_353n]);
    expect(rs.at(-1)).toMatchObject({ spot_nanos_per_second: 150_000n, supply_slots: 8 });
    for (let i = 1; i < rs.length; i++) {
      const prev = rs[i - 1]!.spot_nanos_per_second!;
      const move = rs[i]!.spot_nanos_per_second! - prev;
      expect(move < 0n ? -move : move).toBeLessThanOrEqual(prev / 20n);
    }
  });

  it("supply drop: the cheapest provider leaves, the floor jumps to the next ask and the price rises to fit", () => {
    const full: Book = { asks: [A, B, C], demand: [unbid(2_000), ...bidders] };
    const settled = ticks(repeat(full, 10)).at(-1)!;
    expect(settled.spot_nanos_per_second).toBe(150_000n);
    const dropped = ticks(repeat({ ...full, asks: [{ ...A, live: false }, B, C] }, 8), settled.spot_nanos_per_second);
    // Only B's 4 slots (3.2 at 80%) remain below 300k: X (200k) must be priced out, so the target is 200,001.
    expect(dropped[0]).toMatchObject({ spot_nanos_per_second: 157_500n, target_nanos_per_second: 200_001n, lowest_ask_nanos_per_second: 150_000n });
    expect(spots(dropped)).toEqual([157_500n, 165_375n, 173_643n, 182_325n, 191_441n, 200_001n, 200_001n, 200_001n]);
    expect(dropped.at(-1)).toMatchObject({ supply_slots: 4, demand_millislots: 3_000 });

    // If every provider priced below the old spot leaves, the price jumps straight to the new lowest ask.
    const onlyC = ticks([{ asks: [C], demand: [unbid(1_000)] }], 150_000n)[0]!;
    expect(onlyC).toMatchObject({ spot_nanos_per_second: 300_000n, limited_by: "lowest_ask" });

    // Expensive supply leaving shrinks the market the depth is a share of: the reference falls to what is left.
    const deep: Book = { asks: [{ ...A, slots: 2 }, { ...B, slots: 10 }], demand: [] };
    expect(ticks([deep])[0]).toMatchObject({ reference_nanos_per_second: 150_000n, spot_nanos_per_second: 150_000n });
    expect(ticks([{ asks: [{ ...A, slots: 2 }], demand: [] }], 150_000n)[0]).toMatchObject({ reference_nanos_per_second: 100_000n, spot_nanos_per_second: 142_500n });
  });

  describe("one tiny offer does not own the market (issue #8)", () => {
    // The finding: a cpu market of honest offers at 50,000 nanos and one 1-slot offer at 1 nano. The old rule
    // priced a quiet market at the single lowest ask, so the spot slid 5% a tick to 1 nano (134 when it was
    // seen), the shortage ceiling became 10 nanos, and every honest offer was gated ask_above_spot.
    const honest: Ask[] = Array.from({ length: 10 }, () => ({ ask_nanos_per_second: 50_000n, slots: 4, live: true }));
    const tiny: Ask = { ask_nanos_per_second: 1n, slots: 1, live: true };
    const book: Book = { asks: [...honest, tiny], demand: [] };

    it("the spot stays at the honest level and the ceiling is anchored on it", () => {
      const rs = ticks(repeat(book, 300), 50_000n);
      expect(rs.every((r) => r.spot_nanos_per_second === 50_000n)).toBe(true);
      // 1 slot of 41 is short of the 10.25 the depth needs: the reference is the honest ask.
      expect(rs.at(-1)).toMatchObject({ reference_nanos_per_second: 50_000n, lowest_ask_nanos_per_second: 1n, ceiling_nanos_per_second: 500_000n, supply_slots: 41, limited_by: null });
      expect(ticks([book])[0]!.spot_nanos_per_second).toBe(50_000n);
      // A burst of 20 slots is served by every offer at the honest price, not queued on the one cheap slot.
      expect(ticks([{ ...book, demand: [unbid(20_000)] }], 50_000n)[0]).toMatchObject({ spot_nanos_per_second: 50_000n, supply_slots: 41, shortage: false });
    });

    it("a spot the old rule left at 134 nanos climbs back 5% of the reference a tick: 20 ticks, not ~120", () => {
      const rs = spots(ticks(repeat(book, 22), 134n));
      expect(rs.slice(0, 3)).toEqual([2_634n, 5_134n, 7_634n]);
      expect(rs[18]).toBe(47_634n);
      expect(rs.slice(19)).toEqual([50_000n, 50_000n, 50_000n]);
    });

    it("an offer only sets the price with a quarter of the market's slots, and demand past its capacity brings the rest back", () => {
      // 13 of 53 slots is short of 13.25; 14 of 54 is not.
      expect(ticks([{ asks: [...honest, { ...tiny, slots: 13 }], demand: [] }], 50_000n)[0]).toMatchObject({ reference_nanos_per_second: 50_000n, spot_nanos_per_second: 50_000n });
      const big = { ...tiny, slots: 14 };
      expect(ticks([{ asks: [...honest, big], demand: [] }], 50_000n)[0]).toMatchObject({ reference_nanos_per_second: 1n, spot_nanos_per_second: 47_500n, limited_by: "max_move" });
      // 12 slots of demand exceed 80% of its 14 slots: the honest offers are needed, so 50,000 it is. The ceiling
      // is anchored on half the slots (the honest ask), so it cannot shut them out; on the reference it would be 10.
      expect(ticks([{ asks: [...honest, big], demand: [unbid(12_000)] }], 50_000n)[0]).toMatchObject({ target_nanos_per_second: 50_000n, spot_nanos_per_second: 50_000n, ceiling_nanos_per_second: 500_000n, shortage: false });
    });
  });
});
