/**
 * The fake's only source of randomness: a seedable PRNG (mulberry32), so a run that shuffled webhooks into a
 * failing order can be replayed exactly with the same `seed`. Never Math.random in the fake's logic.
 */
export type Prng = { next(): number; int(maxExclusive: number): number; seed: number };

export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (maxExclusive) => Math.floor(next() * maxExclusive), seed };
}

/** Fisher–Yates with the fake's PRNG: a new array, the input left alone. */
export function shuffled<T>(items: readonly T[], rng: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Stripe-shaped ids (`cus_…`, `cs_test_…`): prefix plus 24 base62 characters from the PRNG. */
export function makeId(rng: Prng, prefix: string, length = 24): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALPHABET[rng.int(ALPHABET.length)];
  return `${prefix}_${s}`;
}
