/**
 * How many exports this process streams at once (EXPORT_MAX_CONCURRENT). Each holds a database connection
 * and a snapshot for as long as its client reads (on PGlite, the only connection), so past the cap a caller
 * is told to come back (429) rather than queued behind exports of unknown length.
 */
export class ExportSlots {
  private used = 0;

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  get full(): boolean {
    return this.used >= this.capacity;
  }

  /** A release function (idempotent), or null when every slot is taken. */
  tryAcquire(): (() => void) | null {
    if (this.used >= this.capacity) return null;
    this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
    };
  }
}
