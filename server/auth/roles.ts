/**
 * Organization roles (DESIGN §1). A member holds a comma-separated set; `admin` implies all.
 * better-auth stores the string; this module is the one place that interprets it.
 */
export const ROLES = ["buyer", "provider", "finance", "admin"] as const;
export type Role = (typeof ROLES)[number];
export const CREATOR_ROLE = "admin";

export function parseRoles(role: string | null | undefined): Set<Role> {
  const out = new Set<Role>();
  for (const r of (role ?? "").split(",")) {
    const t = r.trim();
    if ((ROLES as readonly string[]).includes(t)) out.add(t as Role);
  }
  return out;
}

export function hasRole(role: string | null | undefined, needed: Role): boolean {
  const roles = parseRoles(role);
  return roles.has("admin") || roles.has(needed);
}
