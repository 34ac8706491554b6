import {
  AGENT_API_PREFIX,
  heartbeatResponse,
  machineStatusResponse,
  registerMachineResponse,
  type MachineStatusRequest,
  type MachineStatusResponse,
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

  /** What the marketplace thinks of the provider's machines (`spotlane-agent status`). */
  async machineStatus(request: MachineStatusRequest): Promise<MachineStatusResponse> {
    return machineStatusResponse.parse(await this.post("/machines/status", request));
  }

  /**
   * A cheap authenticated call with no side effect: a heartbeat for a machine that cannot exist.
   * The marketplace checks the token before anything else, so 404 ("not registered") means the
   * token is good and 401 means it is not.
   */
  async checkToken(): Promise<{ ok: true } | { ok: false; status: number; message: string }> {
    try {
      await this.post("/machines/heartbeat", { machine_id: "mach_spotlane_doctor_probe", draining: false, offers: [] });
      return { ok: true };
    } catch (err) {
      if (err instanceof MarketplaceError && err.status === 404) return { ok: true };
      if (err instanceof MarketplaceError) return { ok: false, status: err.status, message: err.message };
      throw err;
    }
  }
}
