import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API to a running `ordo serve` (ORDO_URL, default :8080).
const target = process.env.ORDO_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: process.env.ORDO_WEB_OUT ?? 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // Each file gets a content hash: the server caches /assets/* for a year.
    rollupOptions: { output: { entryFileNames: 'assets/[name]-[hash].js', chunkFileNames: 'assets/[name]-[hash].js',
                               assetFileNames: 'assets/[name]-[hash][extname]' } },
  },
  server: {
    proxy: {
      '/v1': { target, changeOrigin: false },
      '/metrics': target,
      '/livez': target,
      '/readyz': target,
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
