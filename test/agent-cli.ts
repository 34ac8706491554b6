// Runs the real `spotlane-agent` CLI as a child process (node --import tsx), capturing its output.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export type Cli = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

const children = new Set<ChildProcess>();

/** Starts the CLI with `args`; `env` is added to this process's environment, minus any SPOTLANE_AGENT_* it has. */
export function runAgentCli(args: string[], env: Record<string, string> = {}): Cli {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SPOTLANE_AGENT_"))) as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, ["--import", "tsx", "agent/src/cli.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...base, ...env } });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      ok({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** SIGKILLs every CLI still running (afterAll). */
export function killAgentClis(): void {
  for (const c of children) c.kill("SIGKILL");
}

/** Resolves with the first match of `re` in stdout; fails if the process exits or `timeout_ms` passes first. */
export async function waitForOutput(cli: Cli, re: RegExp, timeout_ms: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const m = re.exec(cli.stdout());
    if (m) return m;
    if (cli.child.exitCode !== null || cli.child.signalCode !== null || Date.now() > deadline) {
      throw new Error(`agent did not print ${re} (exit ${cli.child.exitCode ?? cli.child.signalCode})\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function exitOf(cli: Cli, timeout_ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      cli.exited,
      new Promise<never>((_, fail) => (t = setTimeout(() => fail(new Error(`agent did not exit within ${timeout_ms} ms\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`)), timeout_ms))),
    ]);
  } finally {
    clearTimeout(t);
  }
}
