#!/usr/bin/env node
// Builds every entry in ONE esbuild pass with shared chunks: dist/<name>/index.js per entry,
// dist/chunks/*.js shared between them, dist/licenses.txt for the bundled third-party code.
// Usage: node scripts/build.mjs [--out DIR] [--only NAME]
//   --only NAME builds that entry (and the chunks it needs) into DIR without clearing it.
import { build } from 'esbuild';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ENTRIES, OPERATIONS } from './entries.mjs';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = resolve(flag('--out') ?? 'dist');
const only = flag('--only');
const metafileOut = flag('--metafile'); // write esbuild's metafile (inputs per output) for analysis
const entries = only ? ENTRIES.filter((e) => e.name === only) : ENTRIES;
if (!entries.length) throw new Error(`unknown entry ${only}`);

if (!only) await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

// ESM output has no require/__dirname/__filename; bundled CommonJS (ssh2, pg, @actions/*) uses
// them. Every output file (entries and chunks) defines them from its own import.meta.url.
const banner = [
  "import { createRequire as __paasCreateRequire } from 'node:module';",
  "import { fileURLToPath as __paasFileURLToPath } from 'node:url';",
  "import { dirname as __paasDirname } from 'node:path';",
  'const require = __paasCreateRequire(import.meta.url);',
  'const __filename = __paasFileURLToPath(import.meta.url);',
  'const __dirname = __paasDirname(__filename);',
].join('\n');

// @actions/core imports its OIDC client (and through it @actions/http-client and undici, ~0.6 MB
// evaluated at load) only for core.getIDToken, which no action calls. The import is replaced by a
// stub that loads the real module on first use: a separate chunk, so every action starts without it.
const lazyOidc = {
  name: 'lazy-actions-core-oidc',
  setup(b) {
    b.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) => {
      if (!/[\\/]@actions[\\/]core[\\/]lib[\\/]core\.js$/.test(args.importer)) return undefined;
      // relative to the repository: a virtual module's path goes into the chunk hashes
      const real = relative(process.cwd(), join(dirname(args.importer), 'oidc-utils.js'))
        .split(sep)
        .join('/');
      return { path: real, namespace: 'paas-lazy-oidc' };
    });
    // the stub names the real module relatively (from resolveDir), never by its absolute path:
    // chunk names hash their inputs, which would make dist/ depend on where the repository is
    b.onLoad({ filter: /.*/, namespace: 'paas-lazy-oidc' }, (args) => ({
      contents: `export class OidcClient {\n  static async getIDToken(audience) {\n    const real = await import('./oidc-utils.js');\n    return real.OidcClient.getIDToken(audience);\n  }\n}\n`,
      resolveDir: resolve(dirname(args.path)),
      loader: 'js',
    }));
  },
};

// zod compiles a parser for each object schema on its first parse (`new Function`): worth it for a
// schema parsed many times, but a paas process parses each schema about once (inputs, configuration,
// a baseline), so every start paid for the compiling (~3.5 ms of a `paas doctor` start:
// docs/benchmarks.md). zod reads its settings from globalThis.__zod_globalConfig when a schema is
// made, so they are set in zod's own core module, before it runs: no schema anywhere in a bundle is
// made before them, whatever order esbuild puts the chunks in. test/zod-jitless.test.ts holds it.
const zodJitless = {
  name: 'zod-jitless',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]core[\\/]core\.js$/ }, async (args) => ({
      contents: `(globalThis.__zod_globalConfig ??= {}).jitless = true;\n${await readFile(args.path, 'utf8')}`,
      loader: 'js',
    }));
  },
};

// the CLI's --help describes an operation's options with its action.yml inputs: embedded here, so
// a bundle built (--out) or copied anywhere has them without the action.yml files beside it
const actionInputs = {};
for (const op of OPERATIONS)
  actionInputs[op] = parseYaml(await readFile(`actions/${op}/action.yml`, 'utf8')).inputs ?? {};

const result = await build({
  entryPoints: Object.fromEntries(entries.map((e) => [`${e.name}/index`, resolve(e.source)])),
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  chunkNames: 'chunks/[name]-[hash]',
  entryNames: '[dir]/[name]',
  banner: { js: banner },
  define: {
    __PAAS_VERSION__: JSON.stringify(JSON.parse(await readFile('package.json', 'utf8')).version),
    __PAAS_ACTION_INPUTS__: JSON.stringify(actionInputs),
  },
  // native addons are optional (ssh2 and cpu-features fall back to pure JS); never ship
  // machine-specific binaries: a require of a .node file stays a (failing, caught) runtime require
  external: ['*.node'],
  // the node24 runtime has these; do not bundle optional peers that nothing here installs
  legalComments: 'none',
  minifySyntax: true,
  minifyWhitespace: true,
  keepNames: false,
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent', 'require-resolve-not-external': 'silent' },
  absWorkingDir: process.cwd(),
  plugins: [lazyOidc, zodJitless],
});

if (metafileOut) await writeFile(resolve(metafileOut), JSON.stringify(result.metafile, null, 1));

// Each output keeps only the banner lines its code uses (most chunks need none): fewer builtin
// imports and createRequire calls at start-up. Then the shebang of the bin, which is executable.
const bannerLines = banner.split('\n');
for (const rel of Object.keys(result.metafile.outputs)) {
  const file = resolve(rel);
  let code = await readFile(file, 'utf8');
  if (!code.startsWith(banner)) throw new Error(`${rel} does not start with the banner`);
  const body = code.slice(banner.length);
  const needsRequire = /(?<![\w$.])require\b/.test(body);
  const needsPath = /(?<![\w$.])__(dirname|filename)\b/.test(body);
  const keep = bannerLines.filter((l) => (/require/i.test(l) ? needsRequire : needsPath));
  code = (keep.length ? keep.join('\n') : '') + body.replace(/^\n/, keep.length ? '\n' : '');
  const entry = entries.find((e) => file === join(out, e.name, 'index.js'));
  if (entry?.shebang) code = '#!/usr/bin/env node\n' + code;
  await writeFile(file, code);
  if (entry?.shebang) await chmod(file, 0o755);
}

// WASM assets that a bundled module loads from its own directory (emscripten: `__dirname + file`):
// copied beside every output that holds the loader. libpg-query: PostgreSQL's parser (db_bootstrap lint).
const WASM_ASSETS = [
  {
    loader: /(^|[\\/])node_modules[\\/]libpg-query[\\/]wasm[\\/]libpg-query\.js$/,
    file: 'node_modules/libpg-query/wasm/libpg-query.wasm',
  },
];
for (const [rel, o] of Object.entries(result.metafile.outputs)) {
  for (const a of WASM_ASSETS) {
    if (!Object.keys(o.inputs).some((i) => a.loader.test(i))) continue;
    await writeFile(join(dirname(resolve(rel)), a.file.split('/').pop()), await readFile(resolve(a.file)));
  }
}

// nothing machine-specific may be in dist/
const walk = async (d) =>
  (await readdir(d, { withFileTypes: true }))
    .flatMap((x) => (x.isDirectory() ? [] : [join(d, x.name)]))
    .concat(
      ...(await Promise.all(
        (await readdir(d, { withFileTypes: true })).filter((x) => x.isDirectory()).map((x) => walk(join(d, x.name))),
      )),
    );
for (const f of await walk(out))
  if (f.endsWith('.node')) throw new Error(`native addon ${relative(out, f)} would make dist machine-specific`);

// third-party licenses of every package whose code is in the bundle (dist/licenses.txt)
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const parts = input.split(/[\\/]/);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) continue;
  const n = parts[i + 1]?.startsWith('@') ? 2 : 1;
  const dir = parts.slice(0, i + 1 + n).join(sep);
  if (!packages.has(dir)) packages.set(dir, parts.slice(i + 1, i + 1 + n).join('/'));
}
const licenseText = async (dir) => {
  const names = (await readdir(dir)).filter((n) => /^(licen[cs]e|copying|notice)(\.|-|$)/i.test(n)).sort();
  return (await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))).join('\n').trim();
};
const sections = [];
const seen = new Set();
for (const [dir] of [...packages].sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]))) {
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(await readFile(pkgFile, 'utf8'));
  const key = `${pkg.name}@${pkg.version}`;
  if (seen.has(key)) continue;
  seen.add(key);
  // `license` (SPDX), an old `{type}` object, or the older `licenses: [{type}]` array (ssh2, cpu-features)
  const license =
    typeof pkg.license === 'string'
      ? pkg.license
      : (pkg.license?.type ??
        (Array.isArray(pkg.licenses) ? pkg.licenses.map((l) => l.type ?? l).join(' OR ') : undefined) ??
        'UNKNOWN');
  const text = await licenseText(dir);
  sections.push(
    `${key}\nlicense: ${license}${pkg.repository ? `\nrepository: ${typeof pkg.repository === 'string' ? pkg.repository : pkg.repository.url}` : ''}\n\n${text || `(no license file in the package; package.json says ${license})`}\n`,
  );
}
if (!only) {
  const head =
    `Third-party software bundled in dist/ of paas-actions (${sections.length} packages).\n` +
    'Generated by scripts/build.mjs from the packages whose code is in the bundles.\n';
  await writeFile(join(out, 'licenses.txt'), [head, ...sections].join('\n' + '-'.repeat(78) + '\n\n'));
}
process.stdout.write(
  `built ${entries.map((e) => `${relative(process.cwd(), out) || '.'}/${e.name}/index.js`).join(', ')} (${Object.keys(result.metafile.outputs).length} files)\n`,
);
