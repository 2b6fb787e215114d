import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PaasError } from '../output/errors.js';

/** Resolves an absolute path's real location even when its tail does not exist yet. */
export function realPathLoose(p: string): string {
  const abs = resolve(p);
  const tail: string[] = [];
  let cur = abs;
  for (;;) {
    if (existsSync(cur)) {
      try {
        return join(realpathSync.native(cur), ...tail.reverse());
      } catch {
        /* fall through: treat as missing */
      }
    }
    const parent = dirname(cur);
    if (parent === cur) return abs;
    tail.push(basename(cur));
    cur = parent;
  }
}

export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The git work tree containing `p` (real path), if any. A `.git` directory or a `.git` file
 * (worktrees, submodules) both mark a work tree.
 */
export function findGitWorkTree(p: string): string | null {
  let cur = realPathLoose(p);
  for (;;) {
    if (existsSync(join(cur, '.git'))) return cur;
    const parent = dirname(cur);
    if (parent === cur) return null;
    cur = parent;
  }
}

export interface StateRootInput {
  input?: string | undefined;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** input `state_root`, else PAAS_STATE_ROOT, else ~/.paas (absolute, not yet checked). */
export function stateRootPath({ input, env = process.env, home = homedir() }: StateRootInput): string {
  const chosen = input?.trim() || env.PAAS_STATE_ROOT?.trim() || join(home, '.paas');
  if (chosen.includes('\0')) throw new PaasError('PAAS_INVALID_ARGUMENT', 'state root contains a NUL byte', { remediation: 'Pass a plain absolute directory path.' });
  return resolve(chosen);
}

export interface GuardOptions {
  /** GITHUB_WORKSPACE, when running in Actions */
  workspace?: string | undefined;
  /** explicit unsafe override (PAAS_ALLOW_UNSAFE_STATE_ROOT=1 / --unsafe-state-root-inside-repo) */
  allowUnsafe?: boolean;
}

export interface GuardedStateRoot {
  path: string;
  unsafe: boolean;
  /** why it is unsafe when the override was used */
  reason?: string;
}

/** Why a state root is unsafe, or null when it is outside every git work tree and the workspace. */
export function stateRootProblem(path: string, workspace?: string): string | null {
  const real = realPathLoose(path);
  const tree = findGitWorkTree(real);
  if (tree) return `state root ${real} is inside the git work tree ${tree}`;
  if (workspace) {
    const ws = realPathLoose(workspace);
    if (isInside(real, ws)) return `state root ${real} is inside GITHUB_WORKSPACE ${ws}`;
  }
  return null;
}

/** Refuses a state root inside a git work tree or the workspace, after resolving symlinks. */
export function guardStateRoot(path: string, opts: GuardOptions = {}): GuardedStateRoot {
  const real = realPathLoose(path);
  const problem = stateRootProblem(real, opts.workspace);
  if (!problem) return { path: real, unsafe: false };
  if (opts.allowUnsafe) return { path: real, unsafe: true, reason: problem };
  throw new PaasError('PAAS_STATE_ROOT_UNSAFE', problem, {
    stage: 'state_root',
    remediation:
      'Use a state root outside any repository, e.g. --state-root ~/.paas locally or state_root: ${{ runner.temp }}/paas-state in Actions (or set PAAS_STATE_ROOT).',
  });
}
