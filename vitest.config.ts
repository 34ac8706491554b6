import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["**/*.test.ts"], exclude: ["**/*.int.test.ts", "node_modules/**", "e2e/**", ".next/**"], environment: "node" } },
      {
        test: {
          name: "int",
          include: ["**/*.int.test.ts"],
          exclude: ["node_modules/**", "e2e/**", ".next/**"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // 2 cores: llama.cpp and PGlite are CPU-bound; parallel files only slow each other down.
          fileParallelism: false,
        },
      },
    ],
  },
});
