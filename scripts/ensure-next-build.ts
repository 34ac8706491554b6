import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const SOURCE_DIRS = ["app", "components", "server", "lib", "db"];
const SOURCE_FILES = ["next.config.ts", "package.json", "postcss.config.mjs", "tsconfig.json"];

function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  }
  return newest;
}

/** Builds the dashboard when there is no production build or a source file is newer than it. */
export function ensureNextBuild(dir: string, log: (m: string) => void): void {
  const buildId = join(dir, ".next", "BUILD_ID");
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const sourcesAt = Math.max(...[...SOURCE_DIRS, ...SOURCE_FILES].map((p) => newestMtimeMs(join(dir, p))));
  if (builtAt > sourcesAt) return;
  log(builtAt ? "Sources changed since the last dashboard build; rebuilding (about a minute)…" : "Building the dashboard (first start only, about a minute)…");
  const result = spawnSync(process.execPath, [join(dir, "node_modules", "next", "dist", "bin", "next"), "build"], { cwd: dir, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) throw new Error("next build failed");
}
