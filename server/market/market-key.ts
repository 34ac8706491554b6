/** A market is (model, hardware class); this is its key everywhere (maps, the x-spotlane-market header). */
export type MarketKey = `${string}@${string}`;

export function marketKey(model_id: string, hardware_class: string): MarketKey {
  return `${model_id}@${hardware_class}`;
}
