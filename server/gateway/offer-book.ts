import type { Db } from "../../db/client";
import { RefreshingValue } from "../../lib/refreshing-value";
import { listAllOffers, type RoutableOffer } from "../providers/list-routable-offers";

/** Unknown models trigger a reload only when the snapshot is at least this old (bounds 404 floods). */
const MISS_RELOAD_AFTER_MS = 20;

type ByModel = Map<string, RoutableOffer[]>;

/**
 * Every offer, held in memory and reloaded at most every `refresh_ms`, so routing reads no
 * database at steady state. Staleness is bounded by the refresh period — shorter than the
 * heartbeat interval, so it never hides a change a heartbeat could have shown.
 */
export class OfferBook {
  private book: RefreshingValue<ByModel>;

  constructor(
    db: Db,
    now_ms: () => number,
    private refresh_ms = 250,
  ) {
    this.book = new RefreshingValue({
      load: () => listAllOffers(db).then(byModel),
      now_ms,
      // Past the refresh period the snapshot is reloaded in the background; a request waits for the
      // database only when the snapshot is far too old (first use, or the process was idle).
      refresh_ms,
      max_stale_ms: refresh_ms * 4,
    });
  }

  /** The exact model id, or every quantization of it when the id has none (`llama` → `llama:q4_k_m`). */
  async offersFor(modelId: string): Promise<RoutableOffer[]> {
    let found = match(await this.book.get(), modelId);
    // A model we have never seen may have been registered since the snapshot: look once more before a 404
    // (a reload already in flight may have started before the registration committed: read afresh after it).
    if (found.length === 0 && this.book.age_ms() > MISS_RELOAD_AFTER_MS) found = match(await this.book.reloadAfterInflight(), modelId);
    return found;
  }

  /** Every offer (for /v1/models), from a snapshot no older than the refresh period. */
  async all(): Promise<RoutableOffer[]> {
    const book = this.book.age_ms() > this.refresh_ms ? await this.book.reload() : this.book.peek()!.value;
    return [...book.values()].flat();
  }

  /** Forget the snapshot: the next lookup reloads (tests; and after this process changes offers). */
  invalidate(): void {
    this.book.invalidate();
  }
}

function byModel(rows: RoutableOffer[]): ByModel {
  const out: ByModel = new Map();
  for (const r of rows) {
    const list = out.get(r.modelId);
    if (list) list.push(r);
    else out.set(r.modelId, [r]);
  }
  return out;
}

function match(book: ByModel, modelId: string): RoutableOffer[] {
  const exact = book.get(modelId) ?? [];
  if (modelId.includes(":")) return exact;
  const out = [...exact];
  for (const [id, offers] of book) if (id.startsWith(modelId + ":")) out.push(...offers);
  return out;
}
