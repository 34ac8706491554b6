/**
 * The marketplace (gateway + agent API, no dashboard) as a separate process, for tests that must
 * kill it outright. Configured through the environment like `npm start`; prints one JSON line
 * `{"url": …}` on stdout once it takes traffic.
 */
import { readEnv } from "../server/env";
import { startServer } from "../server/main";

// Test agents listen on loopback, which a real marketplace refuses unless allowed (server/http/endpoint-policy.ts).
const server = await startServer({ env: readEnv({ PROVIDER_ALLOWED_NETWORKS: "127.0.0.0/8,::1/128", ...process.env }), web: false, workers: false });
process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + "\n");
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
