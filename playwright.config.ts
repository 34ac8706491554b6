import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3107);
const baseURL = `http://127.0.0.1:${PORT}`;

/**
 * E2E runs the real `npm start` path (scripts/start.ts) on a throwaway data dir: Next.js dashboard,
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
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: {
    command: `rm -rf .data/e2e && npx tsx scripts/start.ts`,
    url: `${baseURL}/healthz`,
    env: { PORT: String(PORT), DATA_DIR: ".data/e2e", SPOTLANE_DEMO: "true", NEXT_TELEMETRY_DISABLED: "1" },
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
  },
});
