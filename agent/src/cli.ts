#!/usr/bin/env -S npx tsx
// spotlane-agent: `serve` (the default), `bench`, `status`, `doctor`. Usage errors exit 2 with
// the command's usage; failures exit 1 with a message; serve runs until SIGTERM/SIGINT drains it.
import { parseCommandLine, splitCommand, type Command } from "./cli/args";
import { CommandFailed } from "./cli/errors";
import { BENCH_USAGE, DOCTOR_USAGE, SERVE_USAGE, STATUS_USAGE } from "./cli/usage";
import { UsageError } from "./config/resolve";

const USAGE: Record<Command, string> = { serve: SERVE_USAGE, bench: BENCH_USAGE, status: STATUS_USAGE, doctor: DOCTOR_USAGE };

async function main(argv: string[]): Promise<void> {
  const { command, help, config, extra } = parseCommandLine(argv, process.env);
  if (help) return void console.log(USAGE[command]);
  switch (command) {
    case "serve":
      return (await import("./commands/serve")).serve(config);
    case "bench":
      return (await import("./commands/bench")).bench(config, extra);
    case "status":
      return (await import("./commands/status")).status(config, extra);
    case "doctor":
      return (await import("./commands/doctor")).doctor(config);
  }
}

const argv = process.argv.slice(2);
main(argv).then(
  () => {
    // serve keeps running on its server and timers; the other commands end here.
    if (splitCommand(argv).command !== "serve") process.exit(0);
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE[splitCommand(argv).command]}`);
      process.exit(2);
    }
    console.error(err instanceof CommandFailed ? err.message : `[agent] ${(err as Error).message}`);
    process.exit(1);
  },
);
