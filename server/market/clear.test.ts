import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buyerPrice, clearMarket, depthPrice, maxMoveNanos, offerServes, type ClearingResult, type ClearingSettings, type MarketInput } from "./clear";
import { demandAt, demandCurve, supplyAt, supplyCurve, type Ask, type DemandLevel } from "./curves";

/** Prices cluster on a few levels half the time so ties between asks and bids are common. */
const price = fc.oneof(fc.constantFrom(1n, 99n, 100n, 101n, 150n, 300n, 1_000n), fc.bigInt({ min: 0n, max: 5_000_000n }));
const arbAsk: fc.Arbitrary<Ask> = fc.record({ ask_nanos_per_second: price, slots: fc.integer({ min: 0, max: 16 }), live: fc.constantFrom(true, true, true, false) });
const arbDemand: fc.Arbitrary<DemandLevel> = fc.record({ bid_nanos_per_second: fc.option(price, { nil: null, freq: 3 }), demand_millislots: fc.integer({ min: 0, max: 20_000 }) });
/** Tiny and whole-market shares are the edge cases; the defaults (2,500 and 5,000) sit among the rest. */
const share = fc.oneof(fc.constantFrom(1, 2_500, 5_000, 10_000), fc.integer({ min: 1, max: 10_000 }));
const arbSettings: fc.Arbitrary<ClearingSettings> = fc
  .record({
    target_utilization_bps: fc.integer({ min: 1_000, max: 9_999 }),
    max_move_bps: fc.integer({ min: 1, max: 10_000 }),
    shares: fc.tuple(share, share),
    ceiling_multiple: fc.integer({ min: 1, max: 20 }),
  })
  .map(({ shares: [a, b], ...s }) => ({ ...s, depth_share_bps: Math.min(a, b), ceiling_share_bps: Math.max(a, b) }));
const arbMarket: fc.Arbitrary<MarketInput> = fc.record({
  asks: fc.array(arbAsk, { maxLength: 12 }),
  demand: fc.array(arbDemand, { maxLength: 12 }),
  previous_spot_nanos_per_second: fc.option(price, { nil: null }),
});

const liveAsks = (m: MarketInput) => m.asks.filter((a) => a.live && a.slots > 0);
const lowestLiveAsk = (m: MarketInput) => liveAsks(m).reduce<bigint | null>((min, a) => (min === null || a.ask_nanos_per_second < min ? a.ask_nanos_per_second : min), null);
const RUNS = { numRuns: 2_000 };

/**
 * The rule's covering condition, brute force and exact: S(p) + extra_slots covers
 * required(p) = max(D(p) ÷ target utilization, depth share × all live slots). `extra_slots` shifts the
 * supply side, so "covers with −s" is "the book needs s slots more than it has to spare".
 */
function coversAt(m: MarketInput, s: ClearingSettings, p: bigint, extra_slots = 0): boolean {
  const supply = supplyCurve(m.asks);
  const total = supply.length === 0 ? 0 : supply[supply.length - 1]!.cumulative_slots;
  const slots = supplyAt(supply, p) + extra_slots;
  return slots * 1000 * s.target_utilization_bps >= demandAt(demandCurve(m.demand), p) * 10_000 && slots * 10_000 >= s.depth_share_bps * total;
}
/** Every price where S or D steps (asks, bid + 1): the lowest integer price meeting an upward-closed condition is one of them. */
const stepPrices = (m: MarketInput) => [...liveAsks(m).map((a) => a.ask_nanos_per_second), ...m.demand.flatMap((d) => (d.bid_nanos_per_second === null ? [] : [d.bid_nanos_per_second + 1n]))];
const previousOf = (m: MarketInput, r: ClearingResult) => m.previous_spot_nanos_per_second ?? r.reference_nanos_per_second!;

describe("clearMarket invariants (properties)", () => {
  it("has a spot exactly when there is live supply, and then spot ≥ the lowest live ask", () => {
    fc.assert(
      fc.property(arbMarket, arbSettings, (m, s) => {
        const r = clearMarket(m, s);
        const lowest = lowestLiveAsk(m);
        expect(r.spot_nanos_per_second === null).toBe(lowest === null);
        if (lowest !== null) expect(r.spot_nanos_per_second! >= lowest).toBe(true);
        expect(r.lowest_ask_nanos_per_second).toBe(lowest);
      }),
      RUNS,
    );
  });

  it("no buyer pays above their bid: served demand is exactly the demand whose bid ≥ spot or that has none", () => {
    fc.assert(
      fc.property(arbMarket, arbSettings, (m, s) => {
        const r = clearMarket(m, s);
        let served = 0;
        for (const d of m.demand) {
          const paid = buyerPrice(r.spot_nanos_per_second, d.bid_nanos_per_second);
          if (paid === null) continue;
          if (d.bid_nanos_per_second !== null) expect(paid <= d.bid_nanos_per_second).toBe(true);
          served += d.demand_millislots;
        }
        expect(r.demand_millislots).toBe(served);
      }),
      RUNS,
    );
  });

  it("no provider earns below its ask: cleared supply is exactly the live slots with ask ≤ spot", () => {
    fc.assert(
      fc.property(arbMarket, arbSettings, (m, s) => {
        const r = clearMarket(m, s);
        let serving = 0;
        for (const a of liveAsks(m)) {
          if (!offerServes(a.ask_nanos_per_second, r.spot_nanos_per_second)) continue;
          expect(a.ask_nanos_per_second <= r.spot_nanos_per_second!).toBe(true);
          serving += a.slots;
        }
        expect(r.supply_slots).toBe(serving);
      }),
      RUNS,
    );
  });

  it("the target is the lowest price ≥ the lowest ask at which supply covers max(demand ÷ target utilization, depth share × all live slots) (brute force)", () => {
    fc.assert(
      fc.property(arbMarket, arbSettings, (m, s) => {
        const r = clearMarket(m, s);
        if (r.target_nanos_per_second === null) return;
        const t = r.target_nanos_per_second;
        expect(coversAt(m, s, t)).toBe(true);
        if (t > r.lowest_ask_nanos_per_second!) expect(coversAt(m, s, t - 1n)).toBe(false);
      }),
      RUNS,
    );
  });

  it("the reference is the lowest ask at which depth share × all live slots is available; the ceiling is a multiple of the same at the ceiling share (brute force)", () => {
    fc.assert(
      fc.property(arbMarket, arbSettings, (m, s) => {
        const r = clearMarket(m, s);
        if (r.spot_nanos_per_second === null) {
          expect(r.reference_nanos_per_second).toBeNull();
          return;
        }
        const supply = supplyCurve(m.asks);
        const total = supply[supply.length - 1]!.cumulative_slots;
        const holds = (share_bps: number, p: bigint) => supplyAt(supply, p) * 10_000 >= share_bps * total;
        for (const [share_bps, price] of [
          [s.depth_share_bps, r.reference_nanos_per_second!],
          [s.ceiling_share_bps, r.ceiling_nanos_per_second! / BigInt(s.ceiling_multiple)],
        ] as const) {
          expect(liveAsks(m).some((a) => a.ask_nanos_per_second === price)).toBe(true);
          expect(holds(share_bps, price)).toBe(true);
          expect(price === r.lowest_ask_nanos_per_second || !holds(share_bps, price - 1n)).toBe(true);
        }
        const ref = r.reference_nanos_per_second!;
        expect(r.ceiling_nanos_per_second! >= ref).toBe(true);
        if (r.target_nanos_per_second !== null) expect(r.target_nanos_per_second >= ref).toBe(true);
      }),
      RUNS,
    );
  });

  it("in a shortage no price up to the ceiling covers demand", () => {
    fc.assert(
      fc.property(arbMarket, arbSettings, (m, s) => {
        const r = clearMarket(m, s);
        if (!r.shortage || r.spot_nanos_per_second === null) return;
        const supply = supplyCurve(m.asks);
        const demand = demandCurve(m.demand);
        const c = r.ceiling_nanos_per_second!;
        expect(supplyAt(supply, c) * 1000 * s.target_utilization_bps < demandAt(demand, c) * 10_000).toBe(true);
      }),
      RUNS,
    );
  });

  it("moves at most max(1 nano, max(previous, reference) × max_move_bps) per tick, except up to the lowest live ask", () => {
    fc.assert(
      fc.property(arbMarket, arbSettings, (m, s) => {
        const r = clearMarket(m, s);
        if (r.spot_nanos_per_second === null) return;
        const previous = previousOf(m, r);
        const step = maxMoveNanos(previous, r.reference_nanos_per_second!, s.max_move_bps);
        // Falls are bounded by the previous spot alone: a falling spot is above the reference.
        if (r.spot_nanos_per_second < previous) expect(previous - r.spot_nanos_per_second <= maxMoveNanos(previous, 0n, s.max_move_bps)).toBe(true);
        const spot = r.spot_nanos_per_second;
        const withinBound = spot >= previous - step && spot <= previous + step;
        const liftedToLowestAsk = spot === r.lowest_ask_nanos_per_second && spot > previous + step;
        expect(withinBound || liftedToLowestAsk).toBe(true);
      }),
      RUNS,
    );
  });

  it("with no demand the target is the reference price, reached at once without a previous spot", () => {
    fc.assert(
      fc.property(arbMarket, arbSettings, (m, s) => {
        const quiet = { ...m, demand: m.demand.map((d) => ({ ...d, demand_millislots: 0 })) };
        const r = clearMarket(quiet, s);
        const lowest = lowestLiveAsk(m);
        if (lowest === null) {
          expect(r.spot_nanos_per_second).toBeNull();
          return;
        }
        const ref = r.reference_nanos_per_second!;
        expect(r.target_nanos_per_second).toBe(ref);
        expect(r.shortage).toBe(false);
        expect(clearMarket({ ...quiet, previous_spot_nanos_per_second: null }, s).spot_nanos_per_second).toBe(ref);
        const previous = m.previous_spot_nanos_per_second ?? ref;
        const step = maxMoveNanos(previous, ref, s.max_move_bps);
        const moved = previous > ref ? (previous - step > ref ? previous - step : ref) : previous + step < ref ? previous + step : ref;
        expect(r.spot_nanos_per_second).toBe(moved < lowest ? lowest : moved);
      }),
      RUNS,
    );
  });

  it("climbs from any spot below the reference to at least the reference within ⌈20,000 ÷ max_move_bps⌉ ticks", () => {
    fc.assert(
      // The move is ≥ max(1 nano, ⌊reference × bps ÷ 10,000⌋) > reference × bps ÷ 20,000 per tick while below it.
      fc.property(arbMarket, arbSettings.map((s) => ({ ...s, max_move_bps: Math.max(20, s.max_move_bps) })), fc.bigInt({ min: 0n, max: 5_000_000n }), (m, s, below) => {
        const ref = clearMarket(m, s).reference_nanos_per_second;
        if (ref === null) return;
        let spot: bigint | null = below % (ref + 1n);
        const ticks = Math.ceil(20_000 / s.max_move_bps);
        for (let i = 0; i < ticks; i++) spot = clearMarket({ ...m, previous_spot_nanos_per_second: spot }, s).spot_nanos_per_second;
        expect(spot! >= ref).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("one offer moves the price only by its share: adding s slots at any ask lands the target between where the old book clears needing s slots fewer and s slots more", () => {
    // Formally, with S, D, T the old book's supply, demand and live slots, and required(p) =
    // max(D(p) ÷ u, depth × T): the new target t' has S(t') + s ≥ required(t') (the old book, short by at
    // most s slots there), and t' ≤ every price p where S(p) − s ≥ required(p) (where the old book had s
    // slots to spare). An offer at or below the old target never raises it. The reference (no demand) is
    // the special case, and the ceiling is a fixed multiple of it.
    const arbOffer = fc.record({ ask_nanos_per_second: price, slots: fc.integer({ min: 1, max: 16 }), live: fc.constant(true) });
    fc.assert(
      fc.property(arbMarket, fc.boolean(), arbOffer, arbSettings, (book, quiet, offer, s) => {
        const m = quiet ? { ...book, demand: [] } : book;
        const withOffer = { ...m, asks: [...m.asks, offer] };
        const before = clearMarket(m, s);
        const after = clearMarket(withOffer, s);
        const t = before.target_nanos_per_second;
        const t2 = after.target_nanos_per_second;
        if (t2 !== null) expect(coversAt(m, s, t2, offer.slots)).toBe(true);
        // Corollary: an offer holding less than the depth share of the market cannot price it below every other offer.
        const others = liveAsks(m).reduce((n, a) => n + a.slots, 0);
        if (t2 !== null && offer.slots * 10_000 < s.depth_share_bps * others) expect(t2 >= lowestLiveAsk(m)!).toBe(true);
        if (t === null) return;
        expect(t2).not.toBeNull();
        for (const p of stepPrices(m)) if (coversAt(m, s, p, -offer.slots)) expect(t2! <= p).toBe(true);
        if (offer.ask_nanos_per_second <= t) expect(t2! <= t).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it("the same share bound holds for the depth price of any share (the reference and the ceiling's anchor)", () => {
    // Depth price q of share h over T slots: S(q) ≥ h·T. With one offer of s slots added, the new q' has
    // S(q') + s ≥ h·T, q' ≤ every p with S(p) − s ≥ h·T, and q' ≤ q when the offer is priced at or below q.
    const arbOffer = fc.record({ ask_nanos_per_second: price, slots: fc.integer({ min: 1, max: 16 }), live: fc.constant(true) });
    fc.assert(
      fc.property(fc.array(arbAsk, { minLength: 1, maxLength: 12 }), arbOffer, share, (asks, offer, share_bps) => {
        const supply = supplyCurve(asks);
        if (supply.length === 0) return;
        const total = supply[supply.length - 1]!.cumulative_slots;
        const holds = (p: bigint, extra: number) => (supplyAt(supply, p) + extra) * 10_000 >= share_bps * total;
        const q = depthPrice(supply, share_bps)!;
        const q2 = depthPrice(supplyCurve([...asks, offer]), share_bps)!;
        expect(holds(q2, offer.slots)).toBe(true);
        for (const step of supply) if (holds(step.price_nanos_per_second, -offer.slots)) expect(q2 <= step.price_nanos_per_second).toBe(true);
        if (offer.ask_nanos_per_second <= q) expect(q2 <= q).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  /** More demand: extra levels, more millislots at a level, or a higher bid (or dropping a bid). */
  const moreDemand = (m: MarketInput) =>
    fc
      .record({
        extra: fc.array(arbDemand, { maxLength: 4 }),
        bumps: fc.array(fc.record({ add: fc.integer({ min: 0, max: 10_000 }), raise: fc.bigInt({ min: 0n, max: 1_000n }), unbid: fc.boolean() }), { minLength: m.demand.length, maxLength: m.demand.length }),
      })
      .map(({ extra, bumps }) => ({
        ...m,
        demand: [
          ...m.demand.map((d, i) => ({
            demand_millislots: d.demand_millislots + bumps[i]!.add,
            bid_nanos_per_second: d.bid_nanos_per_second === null || bumps[i]!.unbid ? null : d.bid_nanos_per_second + bumps[i]!.raise,
          })),
          ...extra,
        ],
      }));

  it("never falls when demand rises", () => {
    fc.assert(
      fc.property(
        arbMarket.chain((m) => fc.tuple(fc.constant(m), moreDemand(m))),
        arbSettings,
        ([m, more], s) => {
          const before = clearMarket(m, s).spot_nanos_per_second;
          const after = clearMarket(more, s).spot_nanos_per_second;
          if (before !== null) expect(after! >= before).toBe(true);
        },
      ),
      RUNS,
    );
  });

  /**
   * Less supply: any offer raises its ask; offers priced below the reference leave, go stale or lose
   * slots. Supply at or above the reference leaving is different: it shrinks the market the depth share
   * is taken of, so the reference may fall, by no more than those slots justify (the property above).
   */
  const lessSupply = (m: MarketInput, reference: bigint | null) =>
    fc
      .array(fc.record({ leave: fc.boolean(), lessSlots: fc.integer({ min: 0, max: 16 }), raise: fc.bigInt({ min: 0n, max: 1_000n }) }), { minLength: m.asks.length, maxLength: m.asks.length })
      .map((changes) => ({
        ...m,
        asks: m.asks.map((a, i) => {
          const cheap = reference !== null && a.ask_nanos_per_second < reference;
          return {
            live: a.live && !(cheap && changes[i]!.leave),
            slots: cheap ? Math.max(0, a.slots - changes[i]!.lessSlots) : a.slots,
            ask_nanos_per_second: a.ask_nanos_per_second + changes[i]!.raise,
          };
        }),
      }));

  it("never falls when asks rise or supply priced below the reference is withdrawn", () => {
    fc.assert(
      fc.property(
        fc.tuple(arbMarket, arbSettings).chain(([m, s]) => fc.tuple(fc.constant(m), fc.constant(s), lessSupply(m, clearMarket(m, s).reference_nanos_per_second))),
        ([m, s, less]) => {
          const before = clearMarket(m, s);
          const after = clearMarket(less, s);
          // Losing all supply leaves no price at all, which is not a fall.
          if (before.spot_nanos_per_second === null || after.spot_nanos_per_second === null) return;
          expect(after.spot_nanos_per_second >= before.spot_nanos_per_second).toBe(true);
          expect(after.reference_nanos_per_second! >= before.reference_nanos_per_second!).toBe(true);
          expect(after.ceiling_nanos_per_second! >= before.ceiling_nanos_per_second!).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("settles on min(target, ceiling) when the inputs stop changing", () => {
    fc.assert(
      // ≥ 1% per tick so a few thousand ticks always suffice.
      fc.property(arbMarket, arbSettings.map((s) => ({ ...s, max_move_bps: Math.max(100, s.max_move_bps) })), (m, s) => {
        let r = clearMarket(m, s);
        if (r.spot_nanos_per_second === null) return;
        for (let i = 0; i < 5_000; i++) {
          const next = clearMarket({ ...m, previous_spot_nanos_per_second: r.spot_nanos_per_second }, s);
          if (next.spot_nanos_per_second === r.spot_nanos_per_second) break;
          r = next;
        }
        expect(r.spot_nanos_per_second).toBe(r.shortage ? r.ceiling_nanos_per_second : r.target_nanos_per_second);
      }),
      { numRuns: 300 },
    );
  });

  it("orders prices beyond 2^53 nanos exactly (the bigint path of the sort)", () => {
    const huge = 2n ** 62n;
    const asks = [5n, 1n, 3n, 2n].map((d) => ({ ask_nanos_per_second: huge + d, slots: 1, live: true }));
    expect(supplyCurve(asks).map((s) => s.price_nanos_per_second - huge)).toEqual([1n, 2n, 3n, 5n]);
    const demand = [{ bid_nanos_per_second: huge + 2n, demand_millislots: 900 }, { bid_nanos_per_second: huge + 1n, demand_millislots: 900 }];
    const s = { target_utilization_bps: 8_000, max_move_bps: 10_000, depth_share_bps: 2_500, ceiling_share_bps: 5_000, ceiling_multiple: 2 };
    // 1.8 slots of demand: at huge+1 one slot (0.8) is short; huge+2 brings a second slot (1.6) and prices
    // the huge+1 bidder out, leaving 0.9: covered.
    expect(clearMarket({ asks, demand, previous_spot_nanos_per_second: null }, s).target_nanos_per_second! - huge).toBe(2n);
  });

  it("keeps money in integers and rejects bad settings and inputs", () => {
    const m: MarketInput = { asks: [{ ask_nanos_per_second: 100n, slots: 1, live: true }], demand: [], previous_spot_nanos_per_second: null };
    const s = { target_utilization_bps: 8_000, max_move_bps: 500, depth_share_bps: 2_500, ceiling_share_bps: 5_000, ceiling_multiple: 10 };
    expect(() => clearMarket(m, { ...s, target_utilization_bps: 10_000 })).toThrow(RangeError);
    expect(() => clearMarket(m, { ...s, max_move_bps: 0 })).toThrow(RangeError);
    expect(() => clearMarket(m, { ...s, ceiling_multiple: 0 })).toThrow(RangeError);
    expect(() => clearMarket(m, { ...s, ceiling_share_bps: 2_499 })).toThrow(RangeError);
    expect(() => clearMarket(m, { ...s, depth_share_bps: 0 })).toThrow(RangeError);
    expect(() => clearMarket(m, { ...s, depth_share_bps: 10_001 })).toThrow(RangeError);
    expect(() => clearMarket({ ...m, asks: [{ ask_nanos_per_second: 1n, slots: 1.5, live: true }] }, s)).toThrow(RangeError);
    expect(() => clearMarket({ ...m, demand: [{ bid_nanos_per_second: null, demand_millislots: -1 }] }, s)).toThrow(RangeError);
    expect(typeof clearMarket(m, s).spot_nanos_per_second).toBe("bigint");
  });
});
