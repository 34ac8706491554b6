// Merges the config file, SPOTLANE_AGENT_* variables and flags (later wins) and checks each value.
import { readFileSync } from "node:fs";
import { configFile, envOf, flagOf, SETTING_KEYS, SETTINGS, type AgentConfig, type SettingKey } from "./settings";

/** A mistake in how the agent was invoked: exit 2 with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Source = { value: unknown; from: string };

export type ResolveInput = {
  flags: Partial<Record<SettingKey, string | boolean>>;
  env: NodeJS.ProcessEnv;
  /** --config (or SPOTLANE_AGENT_CONFIG). */
  configPath?: string;
  readFile?: (path: string) => string;
};

function readConfigFile(path: string, read: (p: string) => string): Partial<Record<SettingKey, unknown>> {
  let raw: string;
  try {
    raw = read(path);
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`config file ${path} is not JSON: ${(err as Error).message}`);
  }
  const parsed = configFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : ((issue as { keys?: string[] }).keys ?? []).join(", ");
    throw new UsageError(`config file ${path}: ${issue.code === "unrecognized_keys" ? `unknown key ${where}` : `${where}: ${issue.message}`}`);
  }
  return parsed.data;
}

/** Each setting with where it came from; empty strings count as unset (e.g. SPOTLANE_AGENT_TOKEN=""). */
function merge(input: ResolveInput): Map<SettingKey, Source> {
  const out = new Map<SettingKey, Source>();
  const configPath = input.configPath ?? (input.env.SPOTLANE_AGENT_CONFIG || undefined);
  if (configPath) {
    const file = readConfigFile(configPath, input.readFile ?? ((p) => readFileSync(p, "utf8")));
    for (const [k, v] of Object.entries(file)) if (v !== undefined && v !== "") out.set(k as SettingKey, { value: v, from: `config file ${configPath}` });
  }
  for (const k of SETTING_KEYS) {
    const v = input.env[envOf(k)];
    if (v !== undefined && v !== "") out.set(k, { value: v, from: envOf(k) });
  }
  for (const k of SETTING_KEYS) {
    const v = input.flags[k];
    if (v !== undefined && v !== "") out.set(k, { value: v, from: `--${flagOf(k)}` });
  }
  return out;
}

export function resolveConfig(input: ResolveInput): AgentConfig {
  const sources = merge(input);
  const config: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const setting = SETTINGS[key];
    const source = sources.get(key);
    if (!source) {
      config[key] = "default" in setting ? setting.default : undefined;
      continue;
    }
    const parsed = setting.schema.safeParse(source.value);
    if (!parsed.success) {
      const message = parsed.error.issues[0]?.message ?? "invalid value";
      const named = message.startsWith("--") ? message : `--${flagOf(key)}: ${message}`;
      throw new UsageError(source.from.startsWith("--") ? named : `${named} (from ${source.from})`);
    }
    config[key] = parsed.data;
  }
  return config as AgentConfig;
}

/** The settings a command cannot do without, checked in a fixed order so the first gap is named. */
export function requireSettings(config: AgentConfig, keys: SettingKey[]): void {
  for (const key of keys) {
    if (config[key] === undefined) throw new UsageError(`--${flagOf(key)} is required (or ${envOf(key)}, or "${key}" in --config)`);
  }
}

/** What an engine needs: a model file for the embedded one, a URL for the others. */
export function requireEngine(config: AgentConfig): void {
  if (config.engine === "embedded") {
    if (config.model === undefined) throw new UsageError(`--model is required (or ${envOf("model")}), or use --engine llama-server|vllm with --engine-url`);
  } else if (config.engine_url === undefined) {
    throw new UsageError(`--engine-url is required with --engine ${config.engine}`);
  }
}
