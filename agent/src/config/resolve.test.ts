import { describe, expect, it } from "vitest";
import { requireEngine, requireSettings, resolveConfig, UsageError } from "./resolve";

const env = (vars: Record<string, string> = {}) => vars as NodeJS.ProcessEnv;
const file = (json: unknown) => () => JSON.stringify(json);

describe("agent configuration", () => {
  it("defaults", () => {
    expect(resolveConfig({ flags: {}, env: env() })).toMatchObject({ engine: "embedded", ask: "0.0001", context: 2048, gpu: false, engine_ready_timeout_s: 600, slots: undefined, server: undefined });
  });

  it("config file < SPOTLANE_AGENT_* < flags; values are typed", () => {
    const config = resolveConfig({
      flags: { slots: "8" },
      env: env({ SPOTLANE_AGENT_SLOTS: "4", SPOTLANE_AGENT_TOKEN: "from-env", SPOTLANE_AGENT_GPU: "true" }),
      configPath: "agent.json",
      readFile: file({ server: "http://market:3000", token: "from-file", slots: 2, ask: 0.0002, engine: "vllm", engine_url: "http://127.0.0.1:8000" }),
    });
    expect(config).toMatchObject({ server: "http://market:3000", token: "from-env", slots: 8, ask: "0.0002", engine: "vllm", engine_url: "http://127.0.0.1:8000", gpu: true });
  });

  it("SPOTLANE_AGENT_CONFIG names the file; empty variables count as unset", () => {
    const config = resolveConfig({ flags: {}, env: env({ SPOTLANE_AGENT_CONFIG: "x.json", SPOTLANE_AGENT_TOKEN: "" }), readFile: file({ token: "t" }) });
    expect(config.token).toBe("t");
  });

  it("a bad value names the flag and where it came from", () => {
    expect(() => resolveConfig({ flags: { slots: "0" }, env: env() })).toThrow("--slots must be a positive integer");
    expect(() => resolveConfig({ flags: {}, env: env({ SPOTLANE_AGENT_PORT: "http" }) })).toThrow("--port must be a positive integer (from SPOTLANE_AGENT_PORT)");
    expect(() => resolveConfig({ flags: {}, env: env(), configPath: "a.json", readFile: file({ server: "not a url" }) })).toThrow("--server must be a URL like http://127.0.0.1:3000 (from config file a.json)");
    expect(() => resolveConfig({ flags: { ask: "1e-4" }, env: env() })).toThrow("--ask must be a USD amount like 0.0001");
    expect(() => resolveConfig({ flags: { engine: "tgi" }, env: env() })).toThrow("--engine must be one of embedded, llama-server, vllm");
  });

  it("the config file is checked: JSON, known keys, scalar values", () => {
    expect(() => resolveConfig({ flags: {}, env: env(), configPath: "a.json", readFile: () => "{ nope" })).toThrow(/config file a.json is not JSON/);
    expect(() => resolveConfig({ flags: {}, env: env(), configPath: "a.json", readFile: file({ slot: 2 }) })).toThrow("config file a.json: unknown key slot");
    expect(() => resolveConfig({ flags: {}, env: env(), configPath: "a.json", readFile: file({ slots: [2] }) })).toThrow(/config file a.json: slots/);
    expect(() => resolveConfig({ flags: {}, env: env(), configPath: "/nonexistent/agent.json" })).toThrow(/cannot read config file/);
  });

  it("required settings and engines, in a fixed order", () => {
    const none = resolveConfig({ flags: {}, env: env() });
    expect(() => requireSettings(none, ["server", "token"])).toThrow("--server is required");
    expect(() => requireSettings({ ...none, server: "http://x" }, ["server", "token"])).toThrow(UsageError);
    expect(() => requireEngine(none)).toThrow("--model is required");
    expect(() => requireEngine({ ...none, engine: "llama-server" })).toThrow("--engine-url is required with --engine llama-server");
    expect(() => requireEngine({ ...none, model: "m.gguf" })).not.toThrow();
  });
});
