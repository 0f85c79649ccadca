/**
 * The web app's build (`npm run build` writes dist/web, which the server serves
 * at `/`) and its dev server (`npm run dev`), which proxies the API, WebSocket
 * included, to the API server that `npm run dev` starts beside it.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // No inline scripts or styles: the page's Content-Security-Policy allows only files of this origin.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      // The Host header stays the dev server's, so the API sees the page's own origin and takes its cookie.
      '/graphql': { target: apiUrl, ws: true },
    },
  },
});
