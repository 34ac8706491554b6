/**
 * `npm run stripe:fake [-- --port 12111 --webhook-url http://127.0.0.1:3000/api/stripe/webhook --duplicates 2
 * --shuffle --delay-ms 200 --platform-funds 100000000 --connect-payouts paid]`: the in-repo Stripe fake
 * (test/fake-stripe) as a standalone server, for trying payments and payouts locally and for Playwright. Prints
 * the env a marketplace needs; its hosted Checkout page is where buyers "pay", its hosted onboarding page where
 * providers set up payouts. Connected accounts' events go to the same webhook URL (signed with
 * --connect-webhook-secret when given, else the webhook secret). `--platform-funds`: cents available on the
 * platform at start (default $1,000,000, so transfers succeed before buyers' charges add up); `--connect-payouts`:
 * what providers' bank payouts do (paid | failed | manual). State is in memory: restart the fake and it starts
 * empty (ids never repeat across runs).
 */
import { parseArgs } from "node:util";
import { startFakeStripe } from "../test/fake-stripe";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "12111" },
    "secret-key": { type: "string" },
    "webhook-secret": { type: "string" },
    "webhook-url": { type: "string" },
    duplicates: { type: "string", default: "0" },
    shuffle: { type: "boolean", default: false },
    "delay-ms": { type: "string", default: "0" },
    seed: { type: "string" },
    "connect-webhook-secret": { type: "string" },
    "platform-funds": { type: "string", default: "100000000" },
    "connect-payouts": { type: "string", default: "paid" },
  },
});

function int(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return n;
}

const connectPayouts = values["connect-payouts"];
if (connectPayouts !== "paid" && connectPayouts !== "failed" && connectPayouts !== "manual") throw new Error(`--connect-payouts must be paid, failed or manual, got ${connectPayouts}`);

const fake = await startFakeStripe({
  port: int("port", values.port),
  secretKey: values["secret-key"],
  webhookSecret: values["webhook-secret"],
  webhookUrl: values["webhook-url"],
  seed: int("seed", values.seed),
  delivery: { duplicates: int("duplicates", values.duplicates) ?? 0, shuffle: values.shuffle, delay_ms: int("delay-ms", values["delay-ms"]) ?? 0 },
  connectWebhookSecret: values["connect-webhook-secret"],
  platformFundsCents: int("platform-funds", values["platform-funds"]),
  connectPayouts,
});

const env = fake.env();
console.log(`fake Stripe listening on ${fake.apiBase} (seed ${fake.seed})`);
console.log(`webhooks → ${values["webhook-url"] ?? "(none: pass --webhook-url)"}; duplicates ${fake.delivery.duplicates}, shuffle ${fake.delivery.shuffle}, delay ${fake.delivery.delay_ms} ms`);
console.log(`Connect: platform balance ${fake.platformBalance()} cents; providers' bank payouts ${fake.connectPayouts}`);
console.log("Set these for the marketplace (e.g. in .env.local or your shell):\n");
for (const [k, v] of Object.entries(env)) console.log(`${k}=${v}`);

const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
