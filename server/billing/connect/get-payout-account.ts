import type { ServiceContext } from "../../context";
import type { PayoutAccountView } from "./types";

// PLACEHOLDER (lead): the Connect helper implements this.
export async function getPayoutAccount(_ctx: ServiceContext, _input: { organizationId: string }): Promise<PayoutAccountView> {
  throw new Error("not implemented yet");
}
