/**
 * PURE: the verification state machine and the canary cadence (README.md has the rules in prose).
 * No clock, no randomness, no database: callers pass `now`, `random` and the offer's recent runs.
 */
import type { VerificationConfig } from "./config";
import { median, MIN_DECODE_TOKENS } from "./statistics";

export type VerificationStatus = "unverified" | "verified" | "suspended";
/** `unknown_hardware`: the hardware class is not in the marketplace's table (plausibility.ts); only a registration as a known class lifts it. */
export type SuspensionReason = "identity_mismatch" | "too_slow" | "failing" | "unknown_hardware";

export type RunSummary = {
  at: Date;
  ok: boolean;
  /** null: the model has no fingerprint for this prompt yet (trust on first use pending). */
  identity_match: boolean | null;
  decode_tokens_per_second: number | null;
  completion_tokens: number | null;
  /** Absent = streamed. A non-streamed canary checks identity, shape and usage, but cannot time decoding. */
  stream?: boolean;
  /** Streams in flight in its probe (absent = 1). Above 1 its decode is the probe's per-stream speed at full load. */
  concurrency?: number;
};

export type OfferVerificationState = {
  status: VerificationStatus;
  suspended_reason: SuspensionReason | null;
  suspended_at: Date | null;
  last_registered_at: Date;
  claimed_decode_tokens_per_second: number;
  /** Absent = known. An unknown hardware class is never verified (README, "Unknown hardware"). */
  hardware_known?: boolean;
  /**
   * Streams a full-load probe must have run at before the offer may serve (its registered slots, capped
   * at max_probe_concurrency); absent or 1 = none needed.
   */
  load_probe_concurrency?: number;
};

export type VerificationDecision = OfferVerificationState & {
  /** Set when the claim was corrected down to the measured canary median. */
  corrected_claim: number | null;
  /** What changed, for logs: "verified", "suspended:too_slow", "recovered", … */
  event: string | null;
};

type Rules = Pick<
  VerificationConfig,
  "verify_after_passes" | "recover_after_passes" | "mismatches_to_suspend" | "failures_to_suspend" | "slow_fraction" | "min_speed_observations" | "window_observations"
>;

/** A canary passes when it completed and did not contradict the model's fingerprint. */
export function runPassed(r: RunSummary): boolean {
  return r.ok && r.identity_match !== false;
}

/** A run that measured a full-load probe of at least `need` streams (need ≤ 1: nothing to probe). */
const probedAtLoad = (runs: readonly RunSummary[], need: number) => need <= 1 || runs.some((r) => runPassed(r) && (r.concurrency ?? 1) >= need);

const usableDecode = (r: RunSummary) => r.ok && r.decode_tokens_per_second !== null && (r.completion_tokens ?? 0) >= MIN_DECODE_TOKENS;

/** The last `n` runs (newest first) all satisfy `pred`, and there are at least `n`. */
const lastAll = (runs: RunSummary[], n: number, pred: (r: RunSummary) => boolean) => runs.length >= n && runs.slice(0, n).every(pred);

/**
 * The offer's state after its latest canary. `runs` are its canaries, newest first; only those since
 * its last registration count (a registration is a fresh start: new process, maybe new model file).
 */
export function nextVerificationState(state: OfferVerificationState, allRuns: readonly RunSummary[], rules: Rules): VerificationDecision {
  const runs = [...allRuns].filter((r) => r.at.getTime() >= state.last_registered_at.getTime()).sort((a, b) => b.at.getTime() - a.at.getTime());
  const latest = runs[0];
  const out: VerificationDecision = { ...state, corrected_claim: null, event: null };
  if (!latest) return out;
  const suspend = (reason: SuspensionReason) => {
    out.status = "suspended";
    out.suspended_reason = reason;
    out.suspended_at = latest.at;
    out.event = `suspended:${reason}`;
  };

  // 1. Identity: serving another model than advertised is the worst offence; it overrides other reasons.
  if (lastAll(runs, rules.mismatches_to_suspend, (r) => r.identity_match === false)) {
    if (!(state.status === "suspended" && state.suspended_reason === "identity_mismatch")) suspend("identity_mismatch");
    return out;
  }

  // 2. Failing: the agent heartbeats but its requests do not complete.
  if (state.status !== "suspended" && lastAll(runs, rules.failures_to_suspend, (r) => !r.ok)) {
    suspend("failing");
    return out;
  }

  // 3. Speed: the canary median against the claim. Below `slow_fraction` of it the claim is corrected to
  //    the median and the offer is suspended (unless it is already suspended for its identity).
  //    Single-stream canaries only: a full-load probe is rare (a few samples, each at the mercy of whatever else
  //    the machine does at that moment), so it is not what suspends anyone. It caps the verified figures instead
  //    (statistics.ts): an offer that queues its "slots" serves, and is quoted, at 1/N per stream.
  const decodes = runs.filter((r) => usableDecode(r) && (r.concurrency ?? 1) <= 1).slice(0, rules.window_observations).map((r) => r.decode_tokens_per_second!);
  const measured = decodes.length >= rules.min_speed_observations ? median(decodes) : null;
  const hardwareKnown = state.hardware_known !== false;
  // Suspensions the speed rule must not replace: they say more than "slow" and lift on other terms.
  const keepsReason = state.status === "suspended" && (state.suspended_reason === "identity_mismatch" || (state.suspended_reason === "unknown_hardware" && !hardwareKnown));
  if (measured !== null && measured < rules.slow_fraction * state.claimed_decode_tokens_per_second) {
    out.corrected_claim = measured;
    out.claimed_decode_tokens_per_second = measured;
    if (keepsReason) return out;
    if (!(state.status === "suspended" && state.suspended_reason === "too_slow")) suspend("too_slow");
    else out.event = "claim_corrected";
    return out;
  }

  // 4. Unknown hardware: a class the marketplace has no envelope for is a market of its provider's making.
  //    Nothing the canaries measure can say what the hardware is, so only a registration as a known class lifts it.
  if (!hardwareKnown) {
    if (!(state.status === "suspended" && state.suspended_reason === "unknown_hardware")) suspend("unknown_hardware");
    return out;
  }

  // 5. Promotions, never before a full-load probe since the registration has passed.
  const claim = out.claimed_decode_tokens_per_second;
  if (!probedAtLoad(runs, state.load_probe_concurrency ?? 1)) return out;
  if (state.status === "unverified") {
    // Not before enough streamed single canaries for the speed rule above to judge: a 10× claim never takes buyer traffic.
    const streamedSingles = runs.filter((r) => runPassed(r) && r.stream !== false && (r.concurrency ?? 1) <= 1).length;
    if (streamedSingles >= rules.min_speed_observations && lastAll(runs, rules.verify_after_passes, runPassed)) {
      out.status = "verified";
      out.event = "verified";
    }
    return out;
  }
  if (state.status === "suspended") {
    const since = state.suspended_at?.getTime() ?? 0;
    if (state.suspended_reason === "identity_mismatch" && state.last_registered_at.getTime() <= since) return out;
    // A passed non-streamed canary or full-load probe stream says nothing about single-stream speed: for a slow
    // suspension it neither counts nor breaks the streak.
    const slow = state.suspended_reason === "too_slow";
    const after = runs.filter((r) => r.at.getTime() > since && !(slow && runPassed(r) && (r.stream === false || (r.concurrency ?? 1) > 1)));
    const recovers = slow ? (r: RunSummary) => runPassed(r) && usableDecode(r) && r.decode_tokens_per_second! >= rules.slow_fraction * claim : runPassed;
    if (lastAll(after, rules.recover_after_passes, recovers)) {
      out.status = "verified";
      out.suspended_reason = null;
      out.suspended_at = null;
      out.event = `recovered:${state.suspended_reason ?? "unknown"}`;
    }
  }
  return out;
}

/**
 * When the next canary goes out, or null for "not until the agent registers again" (an offer
 * suspended for its identity: the model only changes with a restart, which re-registers).
 */
export function nextCanaryAt(
  input: { state: OfferVerificationState; last_run: RunSummary | null; runs_since_registration: number; now: Date; random: () => number },
  cfg: Pick<VerificationConfig, "burst_count" | "burst_interval_ms" | "interval_ms" | "jitter" | "unverified_fast_canaries">,
): Date | null {
  const { state, last_run, runs_since_registration, now } = input;
  const suspendedSinceRegistration = state.last_registered_at.getTime() <= (state.suspended_at?.getTime() ?? 0);
  if (state.status === "suspended" && state.suspended_reason === "identity_mismatch" && suspendedSinceRegistration) return null;
  // Unknown hardware: the burst finishes (the provider sees measured figures), then nothing until it registers as a known class.
  if (state.status === "suspended" && state.suspended_reason === "unknown_hardware" && suspendedSinceRegistration && runs_since_registration >= cfg.burst_count) return null;
  const soon = new Date(now.getTime() + cfg.burst_interval_ms);
  // A failure or a mismatch is confirmed (or cleared) quickly, unless the offer is already out.
  if (state.status !== "suspended" && last_run && !runPassed(last_run)) return soon;
  if (runs_since_registration < cfg.burst_count) return soon;
  if (state.status === "unverified" && runs_since_registration < cfg.unverified_fast_canaries) return soon;
  const factor = 1 + cfg.jitter * (2 * input.random() - 1);
  return new Date(now.getTime() + Math.max(cfg.burst_interval_ms, Math.round(cfg.interval_ms * factor)));
}

/** What the provider sees: why the offer is in this state and exactly what brings it back. */
export function verificationExplanation(
  status: VerificationStatus,
  reason: SuspensionReason | null,
  cfg: Pick<VerificationConfig, "verify_after_passes" | "recover_after_passes" | "mismatches_to_suspend" | "failures_to_suspend" | "slow_fraction">,
): string {
  const pct = `${Math.round(cfg.slow_fraction * 100)}%`;
  if (status === "verified") return `Verified: canaries pass. Routing and pricing use the measured figures; measured below ${pct} of the claim, the offer is suspended.`;
  if (status === "unverified") return `Waiting for verification: ${cfg.verify_after_passes} canaries in a row must pass (a quick burst follows every registration). No buyer traffic until then.`;
  switch (reason) {
    case "identity_mismatch":
      return `Suspended: on ${cfg.mismatches_to_suspend} canaries in a row the output under greedy decoding did not match the fingerprint of the model this offer advertises. Serve the right model file under this model id and restart the agent (it registers again); then ${cfg.recover_after_passes} canaries in a row must match.`;
    case "too_slow":
      return `Suspended: measured decode speed was below ${pct} of the claim, so the claim was corrected to the measured figure. It recovers by itself after ${cfg.recover_after_passes} canaries in a row pass at ≥ ${pct} of the corrected claim. Registering again with an honest benchmark restarts the check.`;
    case "unknown_hardware":
      return `Suspended: the marketplace does not know this machine's hardware class, so it cannot check the offer's claims against what such hardware can do, and a class name of the provider's own would be a market with no one else in it. Register with a known class (spotlane-agent's detected one, or --hardware-class for the GPU the engine runs on); an operator adds new classes to the marketplace's bandwidth table. Then ${cfg.recover_after_passes} canaries in a row must pass.`;
    case "failing":
      return `Suspended: ${cfg.failures_to_suspend} canaries in a row failed (unreachable, errors or broken streams) while the machine kept heartbeating. It recovers after ${cfg.recover_after_passes} canaries in a row pass; check the agent's log and its engine.`;
    default:
      return `Suspended. It recovers after ${cfg.recover_after_passes} canaries in a row pass.`;
  }
}
