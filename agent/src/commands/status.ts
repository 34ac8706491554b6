// `spotlane-agent status`: asks the marketplace (POST /agent/v1/machines/status) what it thinks of
// this machine and prints it, gate reasons explained.
import { hostname } from "node:os";
import { CommandFailed } from "../cli/errors";
import { requireSettings } from "../config/resolve";
import type { AgentConfig } from "../config/settings";
import { MarketplaceClient, MarketplaceError } from "../marketplace-client";
import { formatStatus } from "../status/format-status";

export async function status(config: AgentConfig, extra: { "machine-id"?: string | boolean; all?: string | boolean; json?: string | boolean }): Promise<void> {
  requireSettings(config, ["server", "token"]);
  const client = new MarketplaceClient(config.server!, config.token!);
  // Default: this machine, by the name `serve` registers it under.
  const request = extra.all ? {} : typeof extra["machine-id"] === "string" ? { machine_id: extra["machine-id"] } : { name: config.name ?? hostname() };
  try {
    const answer = await client.machineStatus(request);
    console.log(extra.json ? JSON.stringify(answer, null, 2) : formatStatus(answer, Date.now()));
  } catch (err) {
    if (err instanceof MarketplaceError && err.status === 404 && /unknown agent endpoint/i.test(err.message)) {
      throw new CommandFailed(
        `This marketplace does not answer status requests yet (POST /agent/v1/machines/status: 404 Not Found). ` +
          `Update the marketplace, or see the machine on the dashboard's Provider page.`,
      );
    }
    if (err instanceof MarketplaceError && err.status === 404) throw new CommandFailed(`No such machine: ${err.message}`);
    if (err instanceof MarketplaceError && err.status === 401) throw new CommandFailed(`The marketplace refused the agent token: ${err.message}`);
    throw err;
  }
}
