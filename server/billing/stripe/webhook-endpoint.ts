import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { sendOpenAIError } from "../../http/openai-errors";
import type { JobQueue } from "../../jobs/queue";
import type { Logger } from "../../logger";
import { receiveStripeEvent } from "./receive-event";

export const STRIPE_WEBHOOK_PATH = "/api/stripe/webhook";

/**
 * Real events are a few KB to tens of KB (Stripe truncates embedded lists to 10 items with `has_more`). The body
 * is read before its signature can be checked, so the cap bounds what anyone can make us buffer; it is generous
 * because an event refused for its size is refused on every retry, and that would be money never credited.
 */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** The body as bytes, refused past `limit_bytes` (declared or counted) without destroying the socket before the 413 is out. */
function readRaw(req: IncomingMessage, limit_bytes: number): Promise<Buffer> {
  const tooLarge = () => new ServiceError("payload_too_large", `Request body exceeds ${limit_bytes} bytes.`);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit_bytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit_bytes) {
        req.off("data", onData).off("end", onEnd);
        return reject(tooLarge());
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on("data", onData).on("end", onEnd).once("error", reject);
  });
}

/**
 * `POST /api/stripe/webhook`, served by the node:http dispatcher in server/main.ts before Next.js, so the raw
 * bytes reach the signature check untouched. 200 `{"received":true}` once the event is stored (a repeat too);
 * 400 bad signature; 404 Stripe not configured; 413 oversized; 500 storage failed (Stripe retries).
 * `jobs` is read per request: the queue starts after this handler is built.
 */
export function createStripeWebhookHandler(deps: { services: ServiceContext; jobs: () => JobQueue | undefined; logger: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const log = deps.logger.child({ component: "stripe-webhook" });
    try {
      const stripe = deps.services.stripe;
      if (!stripe) throw new ServiceError("not_found", "Stripe is not configured on this marketplace (STRIPE_SECRET_KEY is unset).");
      if (req.method !== "POST") {
        const body = JSON.stringify({ error: { message: "Stripe webhooks are POSTed to this endpoint.", type: "invalid_request_error", param: null, code: "method_not_allowed" } });
        res.writeHead(405, { allow: "POST", "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        return void res.end(body);
      }
      const raw = await readRaw(req, MAX_WEBHOOK_BODY_BYTES);
      const signature = req.headers["stripe-signature"];
      const received = await receiveStripeEvent(
        { services: { ...deps.services, stripe }, jobs: deps.jobs(), logger: log },
        { raw, signature: typeof signature === "string" ? signature : undefined },
      );
      log.debug({ event_id: received.eventId, type: received.type, duplicate: received.duplicate, enqueued: received.enqueued }, "stripe event received");
      const body = JSON.stringify({ received: true });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    } catch (err) {
      if (!(err instanceof ServiceError)) log.error({ err }, "could not store a Stripe event; Stripe will retry");
      else if (err.code === "invalid_input") log.warn({ reason: err.message }, "refused a Stripe webhook delivery");
      // payload_too_large answers `connection: close`; the unread rest is dropped once the 413 is out.
      if (err instanceof ServiceError && err.code === "payload_too_large") res.once("finish", () => req.destroy());
      sendOpenAIError(res, err);
    }
  };
}
