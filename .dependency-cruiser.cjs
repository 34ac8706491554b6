// Import boundaries (issue #15, DESIGN.md §3), checked by `npm run lint:deps` and in `npm test`.
// Every rule is an error: a boundary that only warns is a boundary nobody keeps.
// Tests may import anything (fixtures, the marketplace harness, other layers); the rules below
// constrain production code only, which is why most `from` clauses exclude TESTS.

/** Test files and test-only helpers: exempt from the layer rules (but not from no-circular). */
const TESTS = "(^|/)[^/]+\\.(test|int\\.test|golden\\.test)\\.(ts|tsx)$";

/** The pure part of the market: no database, no clock, no I/O (DESIGN §3). */
const PURE_MARKET = "^server/market/(clear|curves|market-key|simulation)\\.ts$";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make load order matter and hide which module owns what. Break the cycle.",
      from: {},
      to: { circular: true },
    },
    {
      name: "lib-is-self-contained",
      severity: "error",
      comment: "lib/ is isomorphic (server, browser, agent) and imports nothing of ours outside lib/.",
      from: { path: "^lib/", pathNot: TESTS },
      to: { dependencyTypesNot: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown", "core"], pathNot: "^lib/" },
    },
    {
      name: "agent-imports-only-lib",
      severity: "error",
      comment: "The agent ships on provider machines: it may use lib/ and itself, never the server or the web app.",
      from: { path: "^agent/", pathNot: TESTS },
      to: { dependencyTypesNot: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown", "core"], pathNot: "^(agent|lib)/" },
    },
    {
      name: "router-imports-only-lib",
      severity: "error",
      comment: "The router is pure and on the hot path: it takes candidates (with their spot) as data and imports only lib/.",
      from: { path: "^server/router/", pathNot: TESTS },
      to: { dependencyTypesNot: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown", "core"], pathNot: "^(server/router|lib)/" },
    },
    {
      name: "pure-market-imports-only-lib",
      severity: "error",
      comment: "Clearing, curves, market keys and the simulation are pure: only lib/ and each other.",
      from: { path: PURE_MARKET, pathNot: TESTS },
      to: { dependencyTypesNot: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown", "core"], pathNot: [PURE_MARKET, "^lib/"] },
    },
    {
      name: "components-no-server-values",
      severity: "error",
      comment: "Components run in the browser: server code reaches them only as types (tRPC's RouterOutputs). app/ may import server/.",
      from: { path: "^components/", pathNot: TESTS },
      to: { path: "^(server|db|workers)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "providers-not-gateway",
      severity: "error",
      comment: "Providers and the gateway share HTTP plumbing through server/http/, not through each other.",
      from: { path: "^server/providers/", pathNot: TESTS },
      to: { path: "^server/gateway/" },
    },
    {
      name: "no-test-code-in-production",
      severity: "error",
      comment: "Production code must not depend on test/ fixtures. Test files, test/ itself, bench/, e2e/ and the standalone fake Stripe launcher (npm run stripe:fake, for local payments and Playwright) may.",
      from: { pathNot: [TESTS, "^test/", "^bench/", "^e2e/", "^scripts/fake-stripe\\.ts$"] },
      to: { path: "^test/", pathNot: "^test/tiny-model\\.ts$" },
    },
    {
      // The one allowed edge: test/tiny-model.ts is a deterministic GGUF generator with no test
      // dependencies, which the local demo (`npm start`, scripts/start.ts) and `npm run make-model`
      // use to run real inference without a download. Nothing else in production may use it.
      name: "tiny-model-only-for-demo-scripts",
      severity: "error",
      comment: "Only the demo scripts may use the tiny test model; production code serves real models.",
      from: { pathNot: [TESTS, "^test/", "^bench/", "^e2e/", "^scripts/(start|make-tiny-model)\\.ts$"] },
      to: { path: "^test/tiny-model\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|\\.data|test-results|\\.test-reports)/" },
    // Type-only imports are real edges for the layer rules (they can only be relaxed explicitly, as
    // for components/), so resolve TypeScript before compilation erases them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    skipAnalysisNotInRules: true,
  },
};
