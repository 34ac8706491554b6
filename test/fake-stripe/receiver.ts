/**
 * Test helper: a webhook endpoint that verifies each delivery with the real SDK (`constructEvent` on the raw
 * bytes) and answers what the test scripts (`answer(event, n) → status`).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

export type Received = { event: Stripe.Event; signatureOk: boolean; status: number };

export type Receiver = {
  url: string;
  received: Received[];
  /** Status to answer for the n-th (1-based) delivery of this event id. */
  answer: (event: Stripe.Event, n: number) => number;
  close(): Promise<void>;
};

export async function startReceiver(secret: string): Promise<Receiver> {
  const seen = new Map<string, number>();
  const receiver: Receiver = { url: "", received: [], answer: () => 200, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let event: Stripe.Event;
      let signatureOk = true;
      try {
        event = Stripe.webhooks.constructEvent(raw, String(req.headers["stripe-signature"] ?? ""), secret);
      } catch {
        signatureOk = false;
        event = JSON.parse(raw) as Stripe.Event;
      }
      const n = (seen.get(event.id) ?? 0) + 1;
      seen.set(event.id, n);
      const status = signatureOk ? receiver.answer(event, n) : 400;
      receiver.received.push({ event, signatureOk, status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
