/**
 * Exact decimal strings for meter values and `unit_amount_decimal` (no floats near money): parse to a scaled
 * bigint, add, multiply, round half-up to whole cents.
 */
export type Dec = { units: bigint; scale: number };

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export function isDecimalString(s: string): boolean {
  return DECIMAL.test(s);
}

/**
 * Significant digits of a decimal string, strictly: every digit of the integer part counts ("1000" → 4), the
 * fraction's trailing zeros don't ("12.50" → 3), leading zeros never do ("0.00123" → 3).
 */
export function significantDigits(s: string): number {
  const [int = "", frac = ""] = s.replace(/^-/, "").split(".");
  const digits = `${int.replace(/^0+/, "")}${frac.replace(/0+$/, "")}`;
  return Math.max(digits.replace(/^0+/, "").length, 1);
}

export function parseDec(s: string): Dec {
  const m = DECIMAL.exec(s);
  if (!m) throw new Error(`not a decimal: ${s}`);
  const frac = m[3] ?? "";
  const units = BigInt(`${m[2]}${frac}`) * (m[1] === "-" ? -1n : 1n);
  return { units, scale: frac.length };
}

function rescale(d: Dec, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

export function addDec(a: Dec, b: Dec): Dec {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function mulDec(a: Dec, b: Dec): Dec {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** Round half-up (away from zero at .5) to an integer. */
export function roundHalfUp(d: Dec): bigint {
  if (d.scale === 0) return d.units;
  const div = 10n ** BigInt(d.scale);
  const abs = d.units < 0n ? -d.units : d.units;
  const q = (abs * 2n + div) / (2n * div);
  return d.units < 0n ? -q : q;
}

export function decToString(d: Dec): string {
  const neg = d.units < 0n;
  const digits = (neg ? -d.units : d.units).toString().padStart(d.scale + 1, "0");
  const int = digits.slice(0, digits.length - d.scale);
  const frac = d.scale > 0 ? digits.slice(digits.length - d.scale).replace(/0+$/, "") : "";
  return `${neg ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}
