/**
 * PURE: what the next canary to an offer is. Buyers send streamed and non-streamed requests, one at a
 * time or many at once, so canaries do too: an agent that behaves only in one mode, or only while
 * its slots are idle, is caught in the other. Randomness comes from the caller.
 */
import type { VerificationConfig } from "./config";

export type CanaryPlan =
  /** One request; streamed (SSE) or one JSON answer. */
  | { kind: "single"; stream: boolean }
  /** `concurrency` streamed requests at once: the offer at its claimed slots. */
  | { kind: "load"; concurrency: number };

/** Streams a full-load probe sends: the registered slots, capped (1 = no probe needed). */
export function loadProbeConcurrency(registered_slots: number, cfg: Pick<VerificationConfig, "max_probe_concurrency">): number {
  return Math.max(1, Math.min(Math.floor(registered_slots), cfg.max_probe_concurrency));
}

/**
 * After a registration: streamed, non-streamed, then streamed until `min_speed_observations` streamed
 * single canaries have completed (the speed rule judges the claim before the offer can verify), then
 * (with more than one slot) a full-load probe — the burst that verifies an offer has seen both modes and
 * every claimed slot busy. Until they have, these come next whatever else happened. Then, at random: a full-load probe with
 * `load_probe_probability` while the offer is idle (its heartbeat reports no busy slot: probing
 * over buyer traffic would measure the buyers' streams too and could suspend an honest offer for being
 * popular), else a single canary streamed with `stream_probability`. An agent that always reports a busy
 * slot escapes only these later probes: the burst's probe, on an offer no buyer can reach yet, stays
 * in its verified figures.
 */
export function planCanary(
  input: {
    runs_since_registration: number;
    /** Completed streamed single canaries since the registration. */
    single_streams_since_registration: number;
    registered_slots: number;
    load_probed_since_registration: boolean;
    idle: boolean;
    random: () => number;
  },
  cfg: Pick<VerificationConfig, "max_probe_concurrency" | "load_probe_probability" | "stream_probability" | "min_speed_observations">,
): CanaryPlan {
  const concurrency = loadProbeConcurrency(input.registered_slots, cfg);
  if (input.runs_since_registration === 0) return { kind: "single", stream: true };
  if (input.runs_since_registration === 1) return { kind: "single", stream: false };
  if (input.single_streams_since_registration < cfg.min_speed_observations) return { kind: "single", stream: true };
  if (concurrency > 1 && !input.load_probed_since_registration) return { kind: "load", concurrency };
  if (concurrency > 1 && input.random() < cfg.load_probe_probability && input.idle) return { kind: "load", concurrency };
  return { kind: "single", stream: input.random() < cfg.stream_probability };
}
