import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["build/", "node_modules/", "data/", ".tmp/", "test-results/", "playwright-report/", "training/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // `any` needs a reason: disable this rule on the line, with the reason in the comment.
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    // The engine's facade: from outside server/inference/, only its index.ts. The folder's other
    // modules are its implementation and may move. Exempt: the test helpers (fixture paths,
    // probes; no engine code), and the engine benchmark, which times the runner and KV cache
    // beneath the facade on purpose.
    files: ["**/*.{js,ts,tsx}"],
    ignores: ["server/inference/**", "bench/engine.ts", "bench/kv-layout.ts", "bench/layouts.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\.?/)+(server/)?inference/(?!(index|test-helpers)(\\.ts)?$)",
              message: "Import the engine through server/inference/index.ts (its only public entry).",
            },
          ],
        },
      ],
    },
  },
);
