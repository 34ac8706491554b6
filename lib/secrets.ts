import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Secrets shown once: `<kind prefix><random>`; stored as SHA-256 and found by their first chars. */
export const SECRET_PREFIXES = { apiKey: "sk-spot-", agentToken: "spat-" } as const;
export const LOOKUP_PREFIX_LENGTH = 16;

export function newSecret(kind: keyof typeof SECRET_PREFIXES): string {
  return SECRET_PREFIXES[kind] + randomBytes(24).toString("base64url");
}

export function sha256Hex(input: string | Uint8Array): string {
  return createHash("sha256").update(input).digest("hex");
}

export function lookupPrefix(secret: string): string {
  return secret.slice(0, LOOKUP_PREFIX_LENGTH);
}

export function safeEqualHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, "hex");
  const bb = Buffer.from(b, "hex");
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}
