/**
 * Shorthands of `paas deploy` for a sharded deploy (docs/deploy.md#sharded-deploys):
 * `--plan-shards N` is `--mode plan_shards --shards N`, `--finalize` is `--mode finalize`.
 * Expanded before the flags are parsed; every other argument is passed on as given.
 */
export function expandDeployAliases(argv: readonly string[]): string[] {
  const words = argv.filter((a) => !a.startsWith('-'));
  if (words[0] !== 'deploy' || words[1] === 'reconcile') return [...argv];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === '--finalize') out.push('--mode', 'finalize');
    else if (a.startsWith('--plan-shards='))
      out.push('--mode', 'plan_shards', `--shards=${a.slice('--plan-shards='.length)}`);
    else if (a === '--plan-shards') {
      out.push('--mode', 'plan_shards', '--shards');
      // a missing value is reported by the parser as `--shards needs a value`
      if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) out.push(argv[++i] as string);
    } else out.push(a);
  }
  return out;
}
