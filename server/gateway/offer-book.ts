import type { Db } from "../../db/client";
import { listAllOffers, type RoutableOffer } from "../providers/list-routable-offers";

/**
 * Every offer, held in memory and reloaded at most every `refresh_ms`, so routing reads no
 * database at steady state. Staleness is bounded by the refresh period — shorter than the
 * heartbeat interval, so it never hides a change a heartbeat could have shown.
 */
/** Unknown models trigger a reload only when the snapshot is at least this old (bounds 404 floods). */
const MISS_RELOAD_AFTER_MS = 20;

export class OfferBook {
  private byModel = new Map<string, RoutableOffer[]>();
  private loaded_ms = -Infinity;
  private loading: Promise<void> | null = null;

  constructor(
    private db: Db,
    private now_ms: () => number,
    private refresh_ms = 250,
  ) {}

  /** The exact model id, or every quantization of it when the id has none (`llama` → `llama:q4_k_m`). */
  async offersFor(modelId: string): Promise<RoutableOffer[]> {
    const age_ms = this.now_ms() - this.loaded_ms;
    // Past the refresh period the snapshot is reloaded in the background; a request waits for the
    // database only when the snapshot is far too old (first use, or the process was idle).
    if (age_ms > this.refresh_ms * 4) await this.reload();
    else if (age_ms > this.refresh_ms) void this.reload().catch(() => {});
    let found = this.match(modelId);
    // A model we have never seen may have been registered since the snapshot: look once more before a 404.
    if (found.length === 0 && this.now_ms() - this.loaded_ms > MISS_RELOAD_AFTER_MS) {
      // A reload already in flight may have started before the registration committed: read afresh after it.
      if (this.loading) await this.loading.catch(() => {});
      await this.reload();
      found = this.match(modelId);
    }
    return found;
  }

  private match(modelId: string): RoutableOffer[] {
    const exact = this.byModel.get(modelId) ?? [];
    if (modelId.includes(":")) return exact;
    const out = [...exact];
    for (const [id, offers] of this.byModel) if (id.startsWith(modelId + ":")) out.push(...offers);
    return out;
  }

  /** Every offer (for /v1/models), from a snapshot no older than the refresh period. */
  async all(): Promise<RoutableOffer[]> {
    if (this.now_ms() - this.loaded_ms > this.refresh_ms) await this.reload();
    return [...this.byModel.values()].flat();
  }

  /** Forget the snapshot: the next lookup reloads (tests; and after this process changes offers). */
  invalidate(): void {
    this.loaded_ms = -Infinity;
  }

  private reload(): Promise<void> {
    // The snapshot is as old as the query's start, not its end: a change committed while it ran (a revoked
    // token's machines going offline) must not look fresh for another refresh period.
    const started_ms = this.now_ms();
    this.loading ??= listAllOffers(this.db)
      .then((rows) => {
        const byModel = new Map<string, RoutableOffer[]>();
        for (const r of rows) {
          const list = byModel.get(r.modelId);
          if (list) list.push(r);
          else byModel.set(r.modelId, [r]);
        }
        this.byModel = byModel;
        this.loaded_ms = started_ms;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
