import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// Four pages, one bundle each (shared code split into common chunks): the
// customer page loads only what the customer widget needs. The output is
// embedded into the Go server (server/web.go).
export default defineConfig({
  root: here('.'),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../server/web/dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: {
      input: {
        start: here('index.html'),
        customer: here('customer/index.html'),
        agent: here('agent/index.html'),
        supervisor: here('supervisor/index.html'),
        audit: here('audit/index.html'),
      },
    },
  },
  server: {
    // `npm run dev` against a server started with `make run`.
    proxy: { '/ws': { target: 'ws://127.0.0.1:8080', ws: true }, '/api': 'http://127.0.0.1:8080' },
  },
});
