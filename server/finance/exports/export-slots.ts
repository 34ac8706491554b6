/**
 * How many exports this process streams at once (EXPORT_MAX_CONCURRENT). Each holds a database connection
 * and a snapshot for as long as its client reads (on PGlite, the only connection), so past the cap a caller
 * is told to come back (429) rather than queued behind exports of unknown length. An organization's own
 * members (buyers exporting their usage) stream one export at a time per organization and never take the last
 * free slot, so no customer can crowd platform finance out.
 */
export class ExportSlots {
  private used = 0;
  private readonly holders = new Set<string>();

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  get full(): boolean {
    return this.used >= this.capacity;
  }

  /**
   * A release function (idempotent), or null when no slot is free for this caller. `organizationId`: the caller
   * exports as a member of that organization (one slot per organization, never the last free one when there
   * is more than one); omitted: platform finance (any free slot).
   */
  tryAcquire(organizationId?: string): (() => void) | null {
    if (organizationId !== undefined) {
      const reserved = this.capacity > 1 ? 1 : 0;
      if (this.holders.has(organizationId) || this.used >= this.capacity - reserved) return null;
      this.holders.add(organizationId);
    } else if (this.used >= this.capacity) return null;
    this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      if (organizationId !== undefined) this.holders.delete(organizationId);
    };
  }
}
