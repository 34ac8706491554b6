import type { AuditAction } from "./actions";

export type AuditEntryView = {
  id: string;
  at: Date;
  actor_email: string | null;
  organization_id: string | null;
  action: AuditAction;
  subject: string | null;
  details: Record<string, unknown>;
};
