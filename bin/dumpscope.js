#!/usr/bin/env node
// Launcher: runs the bundled CLI. `npm install` builds it (the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/dumpscope.js', import.meta.url));
if (!existsSync(bundle)) {
  console.error('dumpscope: dist/dumpscope.js is missing; run `npm install` (or `npm run build`) first');
  process.exit(2);
}
await import(pathToFileURL(bundle).href);
