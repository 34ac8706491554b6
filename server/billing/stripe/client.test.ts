import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { STRIPE_API_VERSION, createStripeClient } from "./client";

describe("the pinned Stripe API version", () => {
  it("is the SDK's own, so its types describe the objects we receive", () => {
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
    // stripe@23.1.0's. Upgrading the SDK changes it: then the webhook endpoint at Stripe must be re-created with the
    // new version too (README "Payments → Webhooks"), or events arrive in the old shapes. This line makes that a decision.
    expect(STRIPE_API_VERSION).toBe("2026-10-28.endive");
  });

  it("is sent on every request of createStripeClient, which also honours STRIPE_API_BASE", async () => {
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      res.writeHead(200, { "content-type": "application/json", "request-id": "req_test" }).end(JSON.stringify({ id: "cus_test", object: "customer" }));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    try {
      const { port } = server.address() as AddressInfo;
      const client = createStripeClient("sk_test_version", `http://127.0.0.1:${port}`);
      const customer = await client.customers.retrieve("cus_test");
      expect(customer.id).toBe("cus_test");
      expect(seen).toHaveLength(1);
      expect(seen[0]!.url).toBe("/v1/customers/cus_test");
      expect(seen[0]!.headers["stripe-version"]).toBe(STRIPE_API_VERSION);
      expect(seen[0]!.headers.authorization).toBe("Bearer sk_test_version");
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
});
