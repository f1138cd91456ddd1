// Builds the pages into dist/, which `entrepot serve` serves at "/" (src/entrepot/api/web_assets.h).
// Hashed file names under assets/ let the server mark them immutable.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
