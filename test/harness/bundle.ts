/**
 * Bundles entries in memory the way scripts/build.mjs does (one esbuild pass, code splitting,
 * ESM for Node 24), without its plugins (the lazily loaded OIDC client of @actions/core, zod's
 * jitless setting), and returns esbuild's metafile: what each output holds and imports. For tests
 * of what our modules pull in at start; nothing is written.
 */
import { build, type Metafile } from 'esbuild';

export async function bundleMetafile(
  entryPoints: Record<string, string> | string[],
  minify = false,
): Promise<Metafile> {
  const r = await build({
    entryPoints,
    absWorkingDir: process.cwd(),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    outdir: '/nonexistent-out',
    write: false,
    metafile: true,
    minify,
    logLevel: 'silent',
    external: ['*.node'],
    define: { __PAAS_VERSION__: '"0.0.0"', __PAAS_ACTION_INPUTS__: '{}' },
  });
  return r.metafile;
}
