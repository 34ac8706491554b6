import { ulid } from "ulid";

/** The closed map of id prefixes (DESIGN §7). Add here, never inline. */
export const ID_PREFIXES = {
  request: "req",
  provider: "prov",
  machine: "mach",
  offer: "off",
  apiKey: "key",
  agentToken: "agt",
  journalEntry: "je",
  ledgerLine: "ll",
  reservation: "rsv",
  creditLease: "lse",
  organization: "org",
  user: "usr",
  member: "mem",
  canaryRun: "can",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${ulid().toLowerCase()}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${ID_PREFIXES[kind]}_`);
}
