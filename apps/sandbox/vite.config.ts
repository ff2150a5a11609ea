import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app imports the palisade packages by name and gets their built `dist`,
// exactly what a user of the packages gets; `npm start` builds them first.
export default defineConfig({
  plugins: [react()],
  base: './',
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: true,
    // One chunk is fine for a local teaching app; the budget that matters, 300 KB gzip, is checked by the browser tests.
    chunkSizeWarningLimit: 800,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
