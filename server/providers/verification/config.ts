import type { Env } from "../../env";

/** Everything the verification rules and worker are tuned by. Times in ms; see README.md for the rules. */
export type VerificationConfig = {
  /** How often the worker looks for offers due a canary. */
  tick_ms: number;
  /** Steady gap between canaries to an offer, before jitter. */
  interval_ms: number;
  /** Each steady gap is scaled by a random factor in [1 − jitter, 1 + jitter], so canaries are not periodic. */
  jitter: number;
  /** Canaries sent at `burst_interval_ms` after each (re-)registration. */
  burst_count: number;
  burst_interval_ms: number;
  /** An unverified offer keeps the burst cadence for at most this many canaries, then falls back to steady. */
  unverified_fast_canaries: number;
  /** Consecutive passing canaries that verify a new (or re-registered) offer. */
  verify_after_passes: number;
  /** Consecutive passing canaries after a suspension that lift it. */
  recover_after_passes: number;
  /** Consecutive identity mismatches that suspend (the first one schedules a quick confirmation). */
  mismatches_to_suspend: number;
  /** Consecutive failed canaries (unreachable, errors, broken streams) that suspend. */
  failures_to_suspend: number;
  /** Suspended as too slow when the canary median decode is below this fraction of the claim. */
  slow_fraction: number;
  /** Canary observations needed before the speed rule judges. */
  min_speed_observations: number;
  /** Observations (canaries + buyer streams) the verified medians are taken over. */
  window_observations: number;
  /**
   * After the burst, the chance that a due canary is a full-load probe instead: all of the offer's
   * registered slots at once (capped at `max_probe_concurrency`), measuring per-stream speed at full load.
   */
  load_probe_probability: number;
  max_probe_concurrency: number;
  /** After the burst, the chance that a single canary is streamed (else one JSON answer, like a non-streamed buyer request). */
  stream_probability: number;
  /** The most a canary's answer may be (either mode); a real 32-token answer is a few KB. */
  max_response_bytes: number;
  /** Generated tokens per canary (part of the prompt set's fingerprint definition). */
  max_tokens: number;
  /** Until the agent answers with headers / until the whole canary must be done. */
  headers_timeout_ms: number;
  total_timeout_ms: number;
  /** Offers canaried at once by one worker. */
  concurrency: number;
  /** A claimed offer is not claimed again by another worker for this long (crashed worker safety). */
  lease_ms: number;
};

export const DEFAULT_VERIFICATION_CONFIG: VerificationConfig = {
  tick_ms: 1_000,
  interval_ms: 60_000,
  jitter: 0.1,
  burst_count: 3,
  burst_interval_ms: 2_000,
  unverified_fast_canaries: 9,
  verify_after_passes: 3,
  recover_after_passes: 3,
  mismatches_to_suspend: 2,
  failures_to_suspend: 3,
  slow_fraction: 0.5,
  min_speed_observations: 3,
  window_observations: 15,
  load_probe_probability: 0.1,
  max_probe_concurrency: 64,
  stream_probability: 0.5,
  max_response_bytes: 256 * 1024,
  max_tokens: 32,
  headers_timeout_ms: 30_000,
  total_timeout_ms: 120_000,
  concurrency: 4,
  lease_ms: 180_000,
};

export function verificationConfigFromEnv(env: Pick<Env, "CANARY_INTERVAL_S" | "CANARY_BURST_INTERVAL_MS" | "CANARY_TICK_MS">): VerificationConfig {
  return {
    ...DEFAULT_VERIFICATION_CONFIG,
    interval_ms: Math.round(env.CANARY_INTERVAL_S * 1000),
    burst_interval_ms: env.CANARY_BURST_INTERVAL_MS,
    tick_ms: env.CANARY_TICK_MS,
  };
}
