import {
  AGENT_API_PREFIX,
  heartbeatResponse,
  registerMachineResponse,
  type HeartbeatRequest,
  type RegisterMachineRequest,
  type RegisterMachineResponse,
} from "../../lib/wire/agent";

export class MarketplaceError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "MarketplaceError";
  }
}

/** The agent's side of /agent/v1: authenticated with the provider's agent token. */
export class MarketplaceClient {
  constructor(
    private serverUrl: string,
    private token: string,
    private timeout_ms = 10_000,
  ) {}

  private async post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(new URL(AGENT_API_PREFIX + path, this.serverUrl), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeout_ms),
    });
    const json = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    if (!res.ok) throw new MarketplaceError(res.status, json?.error?.message ?? `HTTP ${res.status}`);
    return json;
  }

  async register(request: RegisterMachineRequest): Promise<RegisterMachineResponse> {
    return registerMachineResponse.parse(await this.post("/machines/register", request));
  }

  async heartbeat(request: HeartbeatRequest) {
    return heartbeatResponse.parse(await this.post("/machines/heartbeat", request));
  }

  async offline(machine_id: string) {
    await this.post("/machines/offline", { machine_id });
  }
}
