// The one list of bundles: dist/<name>/index.js is built from <source>.
export const OPERATIONS = ['deploy', 'rollback', 'prod_verify', 'ops_daily', 'db_bootstrap', 'doctor'];

export const ENTRIES = [
  ...OPERATIONS.map((op) => ({ name: op, source: `actions/${op}/main.ts` })),
  { name: 'paas', source: 'actions/paas/main.ts' }, // root action.yml umbrella (input `operation`)
  { name: 'post', source: 'actions/post.ts' }, // shared `post:` step (locks, state)
  { name: 'cli', source: 'lib/cli/main.ts', shebang: true },
];
