import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3107);
const baseURL = `http://127.0.0.1:${PORT}`;

/**
 * Payments (e2e/payments.spec.ts) and provider payouts (e2e/payouts.spec.ts) run against a second marketplace in
 * Stripe mode, paying on the in-repo fake's hosted Checkout page and onboarding on its hosted Connect page. The
 * fake delivers every webhook three times (2 duplicates), shuffled.
 */
const STRIPE_SPECS = /(payments|payouts)\.spec\.ts$/;
const E2E_STRIPE = {
  port: Number(process.env.E2E_STRIPE_PORT ?? 3108),
  fakePort: Number(process.env.E2E_FAKE_STRIPE_PORT ?? 12111),
  secretKey: "sk_test_spotlane_e2e",
  webhookSecret: "whsec_spotlane_e2e",
} as const;
const stripeBaseURL = `http://127.0.0.1:${E2E_STRIPE.port}`;
const fakeBaseURL = `http://127.0.0.1:${E2E_STRIPE.fakePort}`;

/**
 * Both marketplaces run scripts/start.ts, which builds the dashboard when .next is missing or stale: two builds
 * at once (or one under a running server) would write over each other, so the Stripe one starts only once the
 * first answers /healthz (built) and never builds itself (--skip-build).
 */
const waitForFirst = `node -e "const go=()=>fetch('${baseURL}/healthz').then(r=>{if(!r.ok)throw 0}).catch(()=>new Promise(r=>setTimeout(r,500)).then(go));go()"`;

/**
 * E2E runs the real `npm start` path (scripts/start.ts) on throwaway data dirs: Next.js dashboard,
 * gateway, PGlite and the demo agent running llama.cpp — then drives Debian's Chromium.
 */
export default defineConfig({
  testDir: "e2e",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: ".test-reports/e2e.json" }]],
  use: {
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  projects: [
    // The embedded default (local test balance), on PORT as before.
    { name: "marketplace", testIgnore: STRIPE_SPECS, use: { baseURL } },
    // Stripe mode: its own marketplace and data dir, so the specs above are untouched by it.
    { name: "payments", testMatch: STRIPE_SPECS, use: { baseURL: stripeBaseURL } },
  ],
  webServer: [
    {
      command: `rm -rf .data/e2e && npx tsx scripts/start.ts`,
      url: `${baseURL}/healthz`,
      env: {
        PORT: String(PORT),
        DATA_DIR: ".data/e2e",
        SPOTLANE_DEMO: "true",
        NEXT_TELEMETRY_DISABLED: "1",
        // The finance operator of e2e/finance.spec.ts, and the demo buyer (an operator by default when none is set).
        OPERATOR_EMAILS: "finance-operator@example.com,demo-buyer@spotlane.local",
      },
      // A cold `next build` takes 3-5 minutes on a busy 2-core machine.
      timeout: 480_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `npx tsx scripts/fake-stripe.ts --port ${E2E_STRIPE.fakePort} --secret-key ${E2E_STRIPE.secretKey} --webhook-secret ${E2E_STRIPE.webhookSecret} --webhook-url ${stripeBaseURL}/api/stripe/webhook --duplicates 2 --shuffle`,
      // Any answer proves it listens (the API answers 401 without a key).
      port: E2E_STRIPE.fakePort,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `rm -rf .data/e2e-stripe && ${waitForFirst} && npx tsx scripts/start.ts --skip-build`,
      url: `${stripeBaseURL}/healthz`,
      env: {
        PORT: String(E2E_STRIPE.port),
        DATA_DIR: ".data/e2e-stripe",
        SPOTLANE_DEMO: "true",
        NEXT_TELEMETRY_DISABLED: "1",
        STRIPE_SECRET_KEY: E2E_STRIPE.secretKey,
        STRIPE_WEBHOOK_SECRET: E2E_STRIPE.webhookSecret,
        STRIPE_API_BASE: fakeBaseURL,
        // Payments are under test here, not canaries: the demo agent is trusted as registered, so a loaded
        // machine (two marketplaces, two agents) cannot suspend it as too slow mid-journey.
        VERIFICATION_ENABLED: "false",
        // Payouts (e2e/payouts.spec.ts): earnings payable at once, a payout from one cent, the worker checking every
        // second. The spec's provider runs its own agent on loopback, which a public marketplace refuses.
        PAYOUT_HOLD_DAYS: "0",
        PAYOUT_MINIMUM_USD: "0.01",
        PAYOUT_CHECK_MS: "1000",
        PROVIDER_ALLOWED_NETWORKS: "127.0.0.0/8",
        // The operator who presses "Run payouts now" in e2e/payouts.spec.ts.
        OPERATOR_EMAILS: "payouts-operator@example.com",
      },
      timeout: 600_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
