// PLACEHOLDER (lead): the owning helper replaces this body; keep the exported signature.
import type { ServiceContext } from "../../context";

/** At start: when the platform fee or the payout policy differs from what the audit log last recorded, records the change (actor: the system). */
export async function recordSettingsChanges(ctx: ServiceContext): Promise<void> {
  void ctx;
}
