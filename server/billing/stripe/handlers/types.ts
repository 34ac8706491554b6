import type Stripe from "stripe";
import type { ServiceContext } from "../../../context";
import type { JobQueue } from "../../../jobs/queue";
import type { Logger } from "../../../logger";
import type { StripeBilling } from "../client";

/** What a webhook event handler receives: the services (with Stripe configured), the job queue and a logger. */
export type StripeHandlerContext = { services: ServiceContext & { stripe: StripeBilling }; jobs: JobQueue; logger: Logger };

export type StripeEventOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>;

/**
 * One handler per event type, each in its own file. Handlers must be safe to run any number of times and in
 * any order: they re-read the object from Stripe or apply a state transition that a repeat cannot redo.
 * Throwing makes the job retry later.
 */
export type StripeEventHandler<T extends Stripe.Event.Type> = (ctx: StripeHandlerContext, event: StripeEventOf<T>) => Promise<void>;
