import path from 'node:path';
import { defineConfig } from 'vite';

/**
 * The operator web app. `npm run build` writes it to dist/app, which the API serves on its own
 * origin. `npm run dev:app` serves it with hot reload on :5173 and proxies /api to the API
 * (API_URL, default http://127.0.0.1:5000), so the session cookie and same-origin guard work as in
 * production. JSX is compiled by Vite's own transformer (no React plugin needed).
 */
export default defineConfig({
  root: __dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: path.resolve(__dirname, '../../dist/app'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // TanStack Query's "use client" markers mean nothing in a plain SPA.
      onwarn: (warning, warn) => (warning.code === 'MODULE_LEVEL_DIRECTIVE' ? undefined : warn(warning)),
    },
  },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env.API_URL ?? 'http://127.0.0.1:5000', changeOrigin: false } },
  },
});
