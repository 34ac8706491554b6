import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseOffer, type Candidate } from "./choose-offer";

const cand = (over: Partial<Candidate> & { offerId: string }): Candidate => ({ ask_nanos_per_second: 1000n, slots: 2, inflight: 0, gateReasons: [], ...over });

describe("chooseOffer", () => {
  it("serves at the lowest live ask and names why others were skipped", () => {
    const d = chooseOffer(
      [cand({ offerId: "a", ask_nanos_per_second: 500n }), cand({ offerId: "b", ask_nanos_per_second: 900n }), cand({ offerId: "c", gateReasons: ["heartbeat_stale"], ask_nanos_per_second: 1n })],
      {},
      () => 0,
    );
    expect(d).toEqual({ ok: true, offerId: "a", price_nanos_per_second: 500n, rejected: [{ offerId: "c", reason: "heartbeat_stale" }, { offerId: "b", reason: "ask_above_spot" }] });
  });

  it("refuses rather than overcharging a buyer whose bid is below spot", () => {
    const d = chooseOffer([cand({ offerId: "a", ask_nanos_per_second: 500n })], { max_price_nanos_per_second: 499n }, () => 0);
    expect(d).toMatchObject({ ok: false, reason: "price_above_bid", spot_nanos_per_second: 500n });
  });

  it("reports an empty market", () => {
    expect(chooseOffer([], {}, () => 0)).toMatchObject({ ok: false, reason: "no_live_offer" });
  });

  it("prefers the least utilized offer and spreads ties with the injected randomness", () => {
    const offers = [cand({ offerId: "a", inflight: 1 }), cand({ offerId: "b" }), cand({ offerId: "c" })];
    expect(chooseOffer(offers, {}, () => 0)).toMatchObject({ offerId: "b" });
    expect(chooseOffer(offers, {}, () => 0.99)).toMatchObject({ offerId: "c" });
  });

  it("property: the chosen offer is live, at spot, within the bid and not over its queue bound", () => {
    const arb = fc.array(
      fc.record({
        offerId: fc.uuid(),
        ask_nanos_per_second: fc.bigInt({ min: 0n, max: 10_000_000n }),
        slots: fc.integer({ min: 1, max: 8 }),
        inflight: fc.integer({ min: 0, max: 40 }),
        gateReasons: fc.oneof(fc.constant([] as string[]), fc.constant<string[]>(["heartbeat_stale"])),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(arb, fc.option(fc.bigInt({ min: 0n, max: 10_000_000n }), { nil: undefined }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (cands, bid, r) => {
        const d = chooseOffer(cands, { max_price_nanos_per_second: bid }, () => r);
        if (!d.ok) return;
        const chosen = cands.find((c) => c.offerId === d.offerId)!;
        const liveAsks = cands.filter((c) => c.gateReasons.length === 0).map((c) => c.ask_nanos_per_second);
        expect(chosen.gateReasons).toEqual([]);
        expect(chosen.ask_nanos_per_second).toBe(d.price_nanos_per_second);
        expect(liveAsks.every((a) => a >= d.price_nanos_per_second)).toBe(true);
        if (bid !== undefined) expect(d.price_nanos_per_second <= bid).toBe(true);
        expect(chosen.inflight).toBeLessThan(chosen.slots * 4);
      }),
    );
  });
});
