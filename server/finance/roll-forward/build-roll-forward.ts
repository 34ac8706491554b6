import type { Period } from "../period";
import { compareKinds, kindLabel, SECTION_ACCOUNTS, SECTION_LABELS } from "./sections";
import { ROLL_FORWARD_SECTIONS, type RollForward, type RollForwardSectionKey } from "./types";

/** A ledger section key, or "other" for lines on an account no section holds (then nothing can balance). */
export type SectionOrOther = RollForwardSectionKey | "other";

/** What the roll-forward reads, already grouped by SQL. */
export type RollForwardFacts = {
  period: Period;
  /** The frozen closing of the closed period ending at `period.start`, per section; null = none ends there. */
  frozen_opening: Map<SectionOrOther, bigint> | null;
  /** Σ ledger lines dated before `period.start`, and inside the period, per section. */
  ledger_before: Map<SectionOrOther, bigint>;
  ledger_within: Map<SectionOrOther, bigint>;
  /** The period's lines per (section, journal entry kind), with how many entries they come from. */
  movements: { section: SectionOrOther; kind: string; amount_nanos: bigint; entries: number }[];
  closed: boolean;
  late_entries: number;
};

/**
 * opening + Σ movements = closing per section. `balanced` also checks the figures against the ledger itself:
 * the movements per kind add up to the period's lines, a frozen opening equals the lines before the start,
 * no line sits outside the sections, and the whole ledger's closing is zero.
 */
export function buildRollForward(f: RollForwardFacts): RollForward {
  let balanced = true;
  let total = 0n;
  const sections = ROLL_FORWARD_SECTIONS.map((key) => {
    const ledger_opening = f.ledger_before.get(key) ?? 0n;
    const opening_nanos = f.frozen_opening ? (f.frozen_opening.get(key) ?? 0n) : ledger_opening;
    const movements = f.movements
      .filter((m) => m.section === key)
      .sort((a, b) => compareKinds(a.kind, b.kind))
      .map((m) => ({ kind: m.kind, label: kindLabel(m.kind), amount_nanos: m.amount_nanos, entries: m.entries }));
    const moved = movements.reduce((s, m) => s + m.amount_nanos, 0n);
    const closing_nanos = opening_nanos + moved;
    if (opening_nanos !== ledger_opening || moved !== (f.ledger_within.get(key) ?? 0n)) balanced = false;
    total += closing_nanos;
    return { key, label: SECTION_LABELS[key], accounts: [...SECTION_ACCOUNTS[key]], opening_nanos, movements, closing_nanos, opening_source: f.frozen_opening ? ("frozen" as const) : ("ledger" as const) };
  });
  const stray = (f.ledger_before.get("other") ?? 0n) !== 0n || (f.ledger_within.get("other") ?? 0n) !== 0n || f.movements.some((m) => m.section === "other");
  return { period: f.period, sections, balanced: balanced && !stray && total === 0n, closed: f.closed, late_entries: f.late_entries };
}
