/**
 * Signed webhook delivery with the knobs that break naive integrations: duplicates, shuffled order within one
 * action's events, delay, retries with exponential backoff after a non-2xx or a refused connection, and
 * (extra) concurrency. Signatures come from the real SDK (`generateTestHeaderString`), exactly as Stripe signs.
 */
import Stripe from "stripe";
import { shuffled, type Prng } from "./prng";

export type DeliveryKnobs = {
  /** Deliver as events happen; false: hold them until flushWebhooks(). */
  auto: boolean;
  /** Extra copies of each event. */
  duplicates: number;
  /** Reorder the events (copies included) queued together, i.e. created by one action. */
  shuffle: boolean;
  delay_ms: number;
  max_attempts: number;
  retry_base_ms: number;
  /** Extra: first attempts in flight at once (1 = one after another, in order unless shuffled). */
  concurrency: number;
};

export type DeliveryRecord = { eventId: string; type: string; attempt: number; status: number | null };

export const DEFAULT_KNOBS: DeliveryKnobs = { auto: true, duplicates: 0, shuffle: false, delay_ms: 0, max_attempts: 5, retry_base_ms: 50, concurrency: 1 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class WebhookDispatcher {
  readonly knobs: DeliveryKnobs;
  readonly log: DeliveryRecord[] = [];
  private url: string | null;
  private batch: Stripe.Event[] = [];
  private batchScheduled = false;
  private held: Stripe.Event[] = [];
  private queue: Stripe.Event[] = [];
  private active = 0;
  /** Deliveries not yet final (queued, in flight, or waiting for a retry). */
  private outstanding = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private retryTimers = new Set<NodeJS.Timeout>();

  /**
   * `connectSecret`: what connected accounts' events (`event.account` set) are signed with: a Connect endpoint's
   * own secret, or (the default) the platform's, as for one endpoint that also listens to connected accounts.
   */
  constructor(
    private readonly secret: string,
    private readonly rng: Prng,
    url: string | null,
    knobs: Partial<DeliveryKnobs> = {},
    private readonly connectSecret: string = secret,
  ) {
    this.url = url;
    this.knobs = { ...DEFAULT_KNOBS, ...knobs };
  }

  get webhookUrl(): string | null {
    return this.url;
  }

  setUrl(url: string | null): void {
    this.url = url;
  }

  /** Events created synchronously by one action land in one batch (flushed on the next macrotask). */
  enqueue(event: Stripe.Event): void {
    if (this.url === null || this.closed) return; // no endpoint: Stripe sends nothing (resend() still can)
    event.pending_webhooks = 1;
    this.batch.push(event);
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      setImmediate(() => this.closeBatch());
    }
  }

  private closeBatch(): void {
    this.batchScheduled = false;
    const events = this.batch;
    this.batch = [];
    if (events.length === 0) return;
    const copies = events.flatMap((e) => Array.from({ length: 1 + Math.max(0, this.knobs.duplicates) }, () => e));
    const ordered = this.knobs.shuffle ? shuffled(copies, this.rng) : copies;
    if (this.knobs.auto) this.start(ordered);
    else this.held.push(...ordered);
  }

  private start(events: Stripe.Event[]): void {
    this.outstanding += events.length;
    this.queue.push(...events);
    this.pump();
  }

  private pump(): void {
    while (this.active < Math.max(1, this.knobs.concurrency) && this.queue.length > 0) {
      const event = this.queue.shift() as Stripe.Event;
      this.active++;
      void this.firstAttempt(event).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async firstAttempt(event: Stripe.Event): Promise<void> {
    if (this.knobs.delay_ms > 0) await sleep(this.knobs.delay_ms);
    await this.attempt(event, 1);
  }

  /** One attempt; a failure schedules the next one without blocking the queue (so retries arrive out of order). */
  private async attempt(event: Stripe.Event, attempt: number): Promise<void> {
    const status = this.closed ? null : await this.post(event, attempt);
    const ok = status !== null && status >= 200 && status < 300;
    if (ok || attempt >= this.knobs.max_attempts || this.closed) {
      this.settle();
      return;
    }
    const backoff = this.knobs.retry_base_ms * 2 ** (attempt - 1);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.attempt(event, attempt + 1);
    }, backoff);
    this.retryTimers.add(timer);
  }

  private settle(): void {
    this.outstanding--;
    if (this.outstanding === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** POSTs the event, signed; the status our endpoint answered, or null when the connection failed. */
  private async post(event: Stripe.Event, attempt: number): Promise<number | null> {
    const url = this.url;
    let status: number | null = null;
    if (url !== null) {
      // Stripe sends pretty-printed JSON; the signature covers these exact bytes.
      const payload = JSON.stringify(event, null, 2);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: event.account ? this.connectSecret : this.secret });
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": signature, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
          body: payload,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = null;
      }
    }
    this.log.push({ eventId: event.id, type: event.type, attempt, status });
    return status;
  }

  /** Stripe's "resend": one more delivery now, outside the retry schedule. */
  async resend(event: Stripe.Event): Promise<number> {
    if (this.url === null) throw new Error("fake-stripe: resend() needs a webhook URL (setWebhookUrl)");
    const attempt = this.log.filter((d) => d.eventId === event.id).length + 1;
    const status = await this.post(event, attempt);
    if (status === null) throw new Error(`fake-stripe: resend of ${event.id} could not connect to ${this.url}`);
    return status;
  }

  /** Delivers held events too (auto off), then resolves when nothing is outstanding. */
  async flush(): Promise<void> {
    // Events of an action that just ran may still sit in the current batch.
    if (this.batchScheduled) await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.batch.length > 0) this.closeBatch();
    if (this.held.length > 0) {
      const held = this.held;
      this.held = [];
      this.start(held);
    }
    if (this.outstanding === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    // Deliveries may have triggered more events (they don't in the fake, but a flush is "everything so far").
    if (this.batch.length > 0 || this.batchScheduled || this.held.length > 0) await this.flush();
  }

  close(): void {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.queue = [];
    this.held = [];
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
