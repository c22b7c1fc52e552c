import js from "@eslint/js";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import tseslint from "typescript-eslint";

/**
 * The layers of src/, top to bottom (docs/architecture.md): a file may import from its own
 * layer and the layers below it, never from one above. Import cycles are refused by
 * `npm run lint:cycles` (madge, type-only imports included).
 */
const LAYERS = [
  [
    "entry points",
    ["src/cli", "src/server", "src/doctor", "src/consumer", "src/worker", "src/index.ts"],
  ],
  ["account runner", ["src/runner"]],
  ["pipeline", ["src/pipeline"]],
  ["adapters", ["src/adapters"]],
  ["config", ["src/config"]],
  ["core", ["src/core"]],
];

/** For each layer, the zone of everything above it. */
const upward = LAYERS.slice(1).map(([name, target], i) => ({
  target,
  from: LAYERS.slice(0, i + 1).flatMap(([, paths]) => paths),
  message: `the ${name} layer must not import from a layer above it (see docs/architecture.md)`,
}));

export default tseslint.config(
  { ignores: ["build/**", "dist/**", "node_modules/**", "data/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
    },
    rules: {
      // Type-only imports are checked too: a type from above is a dependency on it.
      "import-x/no-restricted-paths": ["error", { zones: upward }],
    },
  },
  {
    // The console page's script runs in the browser, without a build step.
    files: ["public/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: {
        document: "readonly",
        window: "readonly",
        sessionStorage: "readonly",
        fetch: "readonly",
        EventSource: "readonly",
        setInterval: "readonly",
      },
    },
  },
);
