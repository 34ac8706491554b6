import type { NextConfig } from "next";

const config: NextConfig = {
  // PGlite finds its wasm through import.meta.url, which bundling breaks; the others are native or heavy.
  serverExternalPackages: ["@electric-sql/pglite", "node-llama-cpp", "pg", "pg-boss", "stripe"],
  typedRoutes: false,
  poweredByHeader: false,
  // `npm test` typechecks the whole project (tsc --noEmit); repeating it here only slows the first `npm start`.
  typescript: { ignoreBuildErrors: true },
};

export default config;
