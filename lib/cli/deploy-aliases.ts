/** A flag of `paas deploy` that stands for other flags (expanded before the flags are parsed). */
export interface Shorthand {
  /** the flag without its dashes */
  flag: string;
  /** the name of its value in --help, when it takes one (appended to the last flag of `expands`) */
  value?: string;
  /** the flags it stands for */
  expands: readonly string[];
  /** what --help says about it, after `Shorthand for <expands>:` */
  description: string;
}

/** The sharded-deploy shorthands of `paas deploy` (docs/deploy.md#sharded-deploys). */
export const DEPLOY_SHORTHANDS: readonly Shorthand[] = [
  {
    flag: 'plan-shards',
    value: 'n',
    expands: ['--mode', 'plan_shards', '--shards'],
    description:
      'split the targets over <n> matrix jobs (1-256) and print the `matrix` (fields.matrix with --json) ' +
      'for a workflow matrix; nothing remote changes. Each job then runs `paas deploy --shard i/N --apply`.',
  },
  {
    flag: 'finalize',
    expands: ['--mode', 'finalize'],
    description:
      'after every shard ran (same --release-id): mark the release good on every target, or return every ' +
      'target to its previous release when it failed on any shard (a plan unless --apply).',
  },
];

/** `--mode plan_shards --shards <n>`: what a shorthand stands for, as --help shows it. */
export function shorthandMeaning(s: Shorthand): string {
  return s.expands.join(' ') + (s.value ? ` <${s.value}>` : '');
}

/** The expansion of one argument (and of its value, taken from `next`), or null when it is no shorthand. */
function expandOne(a: string, next: string | undefined): { words: string[]; used: number } | null {
  for (const s of DEPLOY_SHORTHANDS) {
    const last = s.expands[s.expands.length - 1] as string;
    if (s.value && a.startsWith(`--${s.flag}=`))
      return { words: [...s.expands.slice(0, -1), `${last}=${a.slice(s.flag.length + 3)}`], used: 0 };
    if (a !== `--${s.flag}`) continue;
    // a missing value is reported by the parser as `--shards needs a value`
    if (s.value && next !== undefined && !next.startsWith('--')) return { words: [...s.expands, next], used: 1 };
    return { words: [...s.expands], used: 0 };
  }
  return null;
}

/**
 * `paas deploy`'s shorthands for a sharded deploy (docs/deploy.md#sharded-deploys):
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
    const x = expandOne(a, argv[i + 1]);
    if (!x) out.push(a);
    else {
      out.push(...x.words);
      i += x.used;
    }
  }
  return out;
}
