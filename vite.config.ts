import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const addin = (file: string) => fileURLToPath(new URL(`./addin/${file}`, import.meta.url));

/** Builds the task pane and the web app into dist/addin, which the server serves under /addin (and web.html at /). */
export default defineConfig({
  root: addin(''),
  base: '/addin/',
  publicDir: addin('public'),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/addin', import.meta.url)),
    emptyOutDir: true,
    // Fluent UI and React are most of the pane (175 kB gzipped); supabase-js is split off already.
    chunkSizeWarningLimit: 800,
    // dialog.html: the Microsoft sign-in, opened by Office's Dialog API in a window of its own.
    // web.html: the same components as a web app for people without the add-in, which the server serves at /.
    rollupOptions: { input: { taskpane: addin('taskpane.html'), dialog: addin('dialog.html'), web: addin('web.html') } },
  },
});
