// Bundles each agent into one plain ESM file (dist/agents/<kind>.mjs): no TypeScript loader at run
// time, so an agent starts fast and stays small (issue 4: an agent under 80 MB at rest).
import { build } from 'esbuild';

for (const kind of ['host', 'vrouter']) {
  await build({
    entryPoints: [`agent/${kind}/main.ts`],
    outfile: `dist/agents/${kind}.mjs`,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: false,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
console.log('agents built: dist/agents/host.mjs, dist/agents/vrouter.mjs');
