// The stylesheet import of main.ts: esbuild emits it as its own CSS file.
declare module '*.css';
