// argv → (command, config, command-specific flags). Flags are the settings (config/settings.ts)
// plus a few per command; unknown flags and stray arguments are usage errors.
import { parseArgs } from "node:util";
import { resolveConfig, UsageError } from "../config/resolve";
import { flagOf, SETTING_KEYS, type AgentConfig, type SettingKey } from "../config/settings";

export const COMMANDS = ["serve", "bench", "status", "doctor"] as const;
export type Command = (typeof COMMANDS)[number];

type FlagSpec = { type: "string" | "boolean"; short?: string };

// --gpu is a switch; everything else takes a value (checked later, whatever its source).
const SETTING_FLAGS: Record<string, FlagSpec> = Object.fromEntries(SETTING_KEYS.map((k) => [flagOf(k), { type: k === "gpu" ? "boolean" : "string" }]));

const EXTRA_FLAGS: Record<Command, Record<string, FlagSpec>> = {
  serve: {},
  bench: { rounds: { type: "string" }, json: { type: "boolean" } },
  status: { "machine-id": { type: "string" }, all: { type: "boolean" }, json: { type: "boolean" } },
  doctor: {},
};

export type Parsed = { command: Command; help: boolean; config: AgentConfig; extra: Record<string, string | boolean | undefined> };

export function splitCommand(argv: string[]): { command: Command; rest: string[] } {
  const first = argv[0];
  if (first !== undefined && (COMMANDS as readonly string[]).includes(first)) return { command: first as Command, rest: argv.slice(1) };
  return { command: "serve", rest: argv };
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): Parsed {
  const { command, rest } = splitCommand(argv);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: rest, options: { ...SETTING_FLAGS, ...EXTRA_FLAGS[command], config: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }).values;
  } catch (err) {
    // Unknown flags, missing values, stray positionals.
    throw new UsageError((err as Error).message);
  }
  const help = values.help === true;
  const flags: Partial<Record<SettingKey, string | boolean>> = {};
  for (const k of SETTING_KEYS) {
    const v = values[flagOf(k)];
    if (v !== undefined) flags[k] = v;
  }
  // --help must work even when the rest of the configuration is broken.
  const config = help ? resolveConfig({ flags: {}, env: {} as NodeJS.ProcessEnv }) : resolveConfig({ flags, env, configPath: values.config as string | undefined });
  const extra = Object.fromEntries(Object.keys(EXTRA_FLAGS[command]).map((k) => [k, values[k]]));
  return { command, help, config, extra };
}
