// The standard benchmark: fixed prompts and cases, versioned so results stay comparable across
// machines and agent releases. Bump SUITE_VERSION whenever a prompt, a case or the method changes.

export const SUITE_VERSION = "spotlane-bench-1";

/** A chat-sized request: measures time to first token and decode speed. */
export const SHORT_PROMPT = "Explain in detail how a spot market for compute sets its price every second, step by step.";

// A long prompt (~450 tokens on Llama-family tokenizers): prefill dominates its time to first token.
const LONG_PARAGRAPH =
  "A spot market for inference sells capacity by the second. Providers run an agent next to an inference engine; " +
  "the agent measures the machine, registers an offer with an ask per slot-second, and reports its load every few seconds. " +
  "Buyers send ordinary OpenAI requests with an optional bid; a router predicts latency and cost for each candidate machine " +
  "and picks one, and every second a clearing tick sets one price per market from the asks and the recent demand. ";
export const LONG_PROMPT = [1, 2, 3, 4].map((n) => `Section ${n}. ${LONG_PARAGRAPH}`).join("\n") + "\nSummarize the sections above in one sentence.";

export type BenchCase = {
  name: string;
  prompt: "short" | "long";
  /** "slots": every slot busy at once. */
  concurrency: 1 | "slots";
  max_tokens: number;
};

export const CASES: readonly BenchCase[] = [
  { name: "short c=1", prompt: "short", concurrency: 1, max_tokens: 64 },
  { name: "short c=slots", prompt: "short", concurrency: "slots", max_tokens: 64 },
  { name: "long c=1", prompt: "long", concurrency: 1, max_tokens: 16 },
  { name: "long c=slots", prompt: "long", concurrency: "slots", max_tokens: 16 },
];

/** Rounds per case: each round is one request per concurrent stream. */
export const DEFAULT_ROUNDS = 3;
