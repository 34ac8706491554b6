// PLACEHOLDER (lead): the owning helper replaces this body; keep the exported signature.
import type { ServiceContext } from "../../context";
import type { Period } from "../period";
import type { RollForward } from "./types";

export async function rollForward(ctx: ServiceContext, period: Period): Promise<RollForward> {
  void ctx;
  void period;
  throw new Error("not built yet");
}
