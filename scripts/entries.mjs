// The one list of bundles: dist/<name>/index.js is built from <source> (each a tiny index.ts that
// calls the run() exported by the main.ts beside it).
export const OPERATIONS = ['deploy', 'rollback', 'prod_verify', 'ops_daily', 'db_bootstrap', 'doctor'];

export const ENTRIES = [
  ...OPERATIONS.map((op) => ({ name: op, source: `actions/${op}/index.ts` })),
  { name: 'paas', source: 'actions/paas/index.ts' }, // root action.yml umbrella (input `operation`)
  { name: 'post', source: 'actions/post/index.ts' }, // shared `post:` step (locks, state)
  { name: 'cli', source: 'lib/cli/index.ts', shebang: true }, // checks the Node version, then loads the CLI
];
