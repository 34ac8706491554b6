import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LEDGER_ACCOUNTS } from "../../../db/schema";
import { compareKinds, KIND_LABELS, kindLabel, SECTION_ACCOUNTS, SECTION_LABELS } from "./sections";
import { ROLL_FORWARD_SECTIONS } from "./types";

describe("roll-forward sections and kinds", () => {
  it("puts every ledger account in exactly one section", () => {
    const all = Object.values(SECTION_ACCOUNTS).flat();
    expect([...all].sort()).toEqual([...LEDGER_ACCOUNTS].sort());
    expect(Object.keys(SECTION_ACCOUNTS)).toEqual([...ROLL_FORWARD_SECTIONS]);
    expect(Object.keys(SECTION_LABELS)).toEqual([...ROLL_FORWARD_SECTIONS]);
  });

  it("labels every journal entry kind the schema lists and every kind the code posts", () => {
    const schema = readFileSync(new URL("../../../db/schema/ledger.ts", import.meta.url), "utf8");
    // The doc comment above journalEntries.kind lists the kinds, "a | b | …", before "(payouts: …".
    const above = schema.slice(0, schema.indexOf('kind: text("kind")'));
    const doc = above.slice(above.lastIndexOf("/**"), above.lastIndexOf("(payouts:"));
    const kinds = doc.replace(/[/*\n]/g, " ").split("|").map((k) => k.trim()).filter(Boolean);
    expect(kinds.length).toBeGreaterThanOrEqual(15);
    const labelled = new Set(KIND_LABELS.map(([k]) => k));
    for (const k of kinds) expect(labelled, k).toContain(k);
    for (const k of ["request_settlement", "top_up", "refund", "payout", "stripe_fee"]) expect(kindLabel(k)).not.toBe(k);
  });

  it("orders kinds by the fixed list, unknown kinds last by name, and shows an unknown kind as itself", () => {
    expect(["zz_new", "payout", "top_up", "aa_new", "request_settlement"].sort(compareKinds)).toEqual(["top_up", "request_settlement", "payout", "aa_new", "zz_new"]);
    expect(kindLabel("zz_new")).toBe("zz_new");
  });
});
