import { build } from 'esbuild';
const entry = process.argv[2];
const lazy = { name: 'lazy', setup(b) { b.onResolve({ filter: /.*/ }, (a) => a.kind === 'dynamic-import' ? { path: a.path, external: true } : undefined); } };
const r = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, minify: true, platform: 'node', format: 'cjs', outdir: '/tmp/b/o', plugins: [lazy], external: ['oidc-provider','playwright-core'] });
const out = Object.values(r.metafile.outputs)[0];
for (const [k, v] of Object.entries(out.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) console.log(v.bytesInOutput, k);
