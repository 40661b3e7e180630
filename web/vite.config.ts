import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The dashboard's static build (`npm run build:web`): web/ → web/dist, plain files any static host serves.
// Relative asset URLs (`base: "./"`) so the same files work at the local server's root and behind CloudFront.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // No source maps in the deployed bucket: they would double what is uploaded, and the code is public anyway.
    sourcemap: false,
  },
  logLevel: "warn",
});
