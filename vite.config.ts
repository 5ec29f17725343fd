import { vitePlugin as remix } from "@remix-run/dev";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";
import remixConfig from "./remix.config.js";

export default defineConfig({
  plugins: [tailwindcss(), remix(remixConfig), tsconfigPaths()],
  // The server entry (server/index.ts) owns native modules and the database; the Remix bundle
  // only sees them through the load context, so keep them out of the SSR bundle.
  ssr: { external: ["onnxruntime-node", "@electric-sql/pglite", "postgres"] },
});
