import type { ServerResponse } from "node:http";
import { offerStateGates, QuietPrices, routingSpotNanos } from "../providers/liveness";
import type { GatewayDeps } from "./deps";
import { ServiceError } from "../errors";

type Market = { hardware_class: string; spot_price_nanos_per_second: string; live_offers: number; slots: number; available_slots: number };
type MarketTally = Market & { live: boolean };

/**
 * OpenAI's model list, with each model's markets (hardware class, spot price, free slots) alongside.
 * The spot is the clearing tick's (fresh ticks only); a market without one shows its quiet (depth) price,
 * exactly as routing prices it (server/providers/liveness.ts).
 */
export async function listModels(deps: GatewayDeps, res: ServerResponse, onlyId?: string): Promise<void> {
  const now = deps.services.now();
  // From the gateway's in-memory offer book and spot cache: listing models reads no database either.
  const rows = (await deps.offerBook.all()).filter((r) => r.machineStatus !== "offline" && r.offerStatus === "live");
  const models = new Map<string, { created: number; markets: Map<string, MarketTally> }>();
  const quiet = new QuietPrices();
  for (const r of rows) {
    const model = models.get(r.modelId) ?? { created: Math.floor(r.createdAt.getTime() / 1000), markets: new Map() };
    models.set(r.modelId, model);
    const market = model.markets.get(r.hardwareClass) ?? { hardware_class: r.hardwareClass, spot_price_nanos_per_second: "", live_offers: 0, slots: 0, available_slots: 0, live: false };
    model.markets.set(r.hardwareClass, market);
    // Live supply by the router's own state gates (the same rows set the market's no-tick spot there).
    const live = offerStateGates(r, now).length === 0;
    if (!live) continue;
    market.live_offers += 1;
    market.slots += r.slots;
    market.available_slots += Math.max(0, r.slots - r.activeSlots);
    market.live = true;
    quiet.add(r.modelId, r.hardwareClass, r.ask_nanos_per_second, r.slots);
  }
  const data = [...models.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, m]) => ({
      id,
      object: "model" as const,
      created: m.created,
      owned_by: "spotlane",
      spotlane: {
        markets: [...m.markets.values()].map(({ live, ...market }) => {
          // Only markets with live supply have a price.
          const price = live ? routingSpotNanos(deps.spotPrice(id, market.hardware_class), quiet.get(id, market.hardware_class)) : null;
          return { ...market, spot_price_nanos_per_second: price === null ? null : String(price) };
        }),
      },
    }));
  if (onlyId !== undefined) {
    const model = data.find((m) => m.id === onlyId);
    if (!model) throw new ServiceError("model_not_found", `The model '${onlyId}' does not exist or is not offered by any provider.`, { param: "model" });
    const one = JSON.stringify(model);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(one) });
    return void res.end(one);
  }
  const out = JSON.stringify({ object: "list", data });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
  res.end(out);
}
