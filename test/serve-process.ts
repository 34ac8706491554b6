/**
 * The marketplace (gateway + agent API, no dashboard) as a separate process, for tests that must
 * kill it outright. Configured through the environment like `npm start`; prints one JSON line
 * `{"url": …}` on stdout once it takes traffic.
 */
import { readEnv } from "../server/env";
import { startServer } from "../server/main";

const server = await startServer({ env: readEnv(), web: false, workers: false });
process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + "\n");
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
