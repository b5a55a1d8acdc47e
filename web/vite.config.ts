import { defineConfig } from "vite";

// The built UI is served by the node at "/"; in development `npm run dev` proxies the API.
const api = "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2500, // MapLibre + milsymbol, one chunk: the UI is served locally
    rolldownOptions: {
      output: {
        // The MapLibre worker is emitted as an asset; name it .js so any static server sends
        // a JavaScript MIME type (Python's mimetypes does not know .mjs everywhere).
        assetFileNames: (asset) =>
          asset.names.some((name) => name.endsWith(".mjs")) ? "assets/[name]-[hash].js" : "assets/[name]-[hash][extname]",
      },
    },
  },
  server: {
    proxy: {
      "/api": { target: api, ws: true, changeOrigin: false },
      "/healthz": { target: api },
    },
  },
});
