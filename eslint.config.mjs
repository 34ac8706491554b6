// @ts-check
// ESLint for Spotlane: a small, focused set of type-aware rules (issue #15) — the ones that catch
// real bugs here: promises nobody awaits or catches, `any` leaking into money paths, dead code.
// Style is not linted. Type information comes from the one root tsconfig via the project service.
// `npm run lint` caches results in node_modules/.cache/eslint/ (about 50 s cold on two cores, 2 s warm).
// The cache is per file, so a type change in one file can leave another's cached result stale: when in
// doubt, delete the folder. CI starts from a clean clone, so its run is always complete.
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: [
      "**/node_modules/**",
      ".next/**",
      ".data/**",
      "db/migrations/**",
      "test-results/**",
      ".test-reports/**",
      "playwright-report/**",
      "bench/results/**",
      "next-env.d.ts",
    ],
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // An un-awaited promise that rejects crashes the process (unhandledRejection) or loses a write.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      // `== null` is the one loose comparison we allow: it means "null or undefined" on purpose.
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
);
