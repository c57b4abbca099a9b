// Bundles the CLI into dist/ so `npx dumpscope` starts fast (one file, no TypeScript at run time).
import { build } from 'esbuild';

await build({
  entryPoints: { dumpscope: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // iced-x86 loads its WebAssembly relative to its own file: keep it a runtime dependency.
  external: ['iced-x86'],
  // esbuild's ESM output needs `require` for the CommonJS dependencies it inlines.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
