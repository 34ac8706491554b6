import { describe, expect, it } from "vitest";
import { UsageError } from "../config/resolve";
import { parseCommandLine, splitCommand } from "./args";

const env = {} as NodeJS.ProcessEnv;

describe("command line", () => {
  it("no subcommand is serve, exactly as the first agent took its flags", () => {
    expect(splitCommand(["--server", "http://x"])).toEqual({ command: "serve", rest: ["--server", "http://x"] });
    const parsed = parseCommandLine(["--server", "http://127.0.0.1:3000", "--token", "t", "--model", "m.gguf", "--slots", "2", "--gpu"], env);
    expect(parsed).toMatchObject({ command: "serve", help: false, config: { server: "http://127.0.0.1:3000", token: "t", model: "m.gguf", slots: 2, gpu: true } });
  });

  it("subcommands take their own flags; another command's flags are unknown", () => {
    expect(parseCommandLine(["bench", "--model", "m.gguf", "--rounds", "5", "--json"], env)).toMatchObject({ command: "bench", extra: { rounds: "5", json: true } });
    expect(parseCommandLine(["status", "--all"], env)).toMatchObject({ command: "status", extra: { all: true } });
    expect(() => parseCommandLine(["serve", "--rounds", "5"], env)).toThrow(UsageError);
    expect(() => parseCommandLine(["doctor", "extra"], env)).toThrow(/Unexpected argument 'extra'/);
  });

  it("--help works even with a broken configuration around it", () => {
    expect(parseCommandLine(["status", "--help", "--slots", "zero"], env)).toMatchObject({ command: "status", help: true });
  });
});
