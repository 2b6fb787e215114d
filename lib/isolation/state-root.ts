import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  readlinkSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PaasError } from '../output/errors.js';

/**
 * Resolves an absolute path's real location even when its tail does not exist yet, following
 * symlinks that point nowhere (yet): a dangling link into a repository must be seen as inside it.
 */
export function realPathLoose(p: string): string {
  const abs = resolve(p);
  const tail: string[] = [];
  let cur = abs;
  for (let hops = 0; ;) {
    if (existsSync(cur)) {
      try {
        return join(realpathSync.native(cur), ...tail.reverse());
      } catch {
        /* fall through: treat as missing */
      }
    }
    const target = danglingTarget(cur);
    if (target !== null && hops++ < 40) {
      cur = resolve(dirname(cur), target);
      continue;
    }
    const parent = dirname(cur);
    if (parent === cur) return join(cur, ...tail.reverse());
    tail.push(basename(cur));
    cur = parent;
  }
}

/** The target of `p` when `p` is a symlink (existsSync already said it leads nowhere), else null. */
function danglingTarget(p: string): string | null {
  try {
    return lstatSync(p).isSymbolicLink() ? readlinkSync(p) : null;
  } catch {
    return null;
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

interface StateRootInput {
  input?: string | undefined;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** input `state_root`, else PAAS_STATE_ROOT, else ~/.paas with ~ from env.HOME (absolute, not yet checked). */
export function stateRootPath({ input, env = process.env, home }: StateRootInput): string {
  // the runtime's HOME (env), not the process's: the CLI and tests run with their own environment
  const chosen = input?.trim() || env.PAAS_STATE_ROOT?.trim() || join(home ?? (env.HOME || homedir()), '.paas');
  // a newline or escape in a path would forge lines in every log and status line that names it
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(chosen)) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `state root ${JSON.stringify(chosen)} contains a control character`, {
      stage: 'state_root',
      remediation:
        'Pass a plain absolute directory path (--state-root, input state_root or PAAS_STATE_ROOT) ' +
        'without newlines or other control characters.',
    });
  }
  return resolve(chosen);
}

interface GuardOptions {
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

/**
 * Why `path` (named `what` in the message: state root, vault file, backup path) may not be used
 * for private state: inside a git work tree or inside the workspace (symlinks resolved); else null.
 * `nameWorkspace` adds the workspace's path to the message.
 */
export function insideRepositoryProblem(
  what: string,
  path: string,
  workspace?: string,
  nameWorkspace = false,
): string | null {
  const real = realPathLoose(path);
  const tree = findGitWorkTree(real);
  if (tree) return `${what} ${real} is inside the git work tree ${tree}`;
  if (workspace) {
    const ws = realPathLoose(workspace);
    if (isInside(real, ws)) return `${what} ${real} is inside GITHUB_WORKSPACE${nameWorkspace ? ` ${ws}` : ''}`;
  }
  return null;
}

/** Why a state root is unsafe, or null when it is outside every git work tree and the workspace. */
export function stateRootProblem(path: string, workspace?: string): string | null {
  return insideRepositoryProblem('state root', path, workspace, true);
}

function fileType(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a directory';
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? 'error';

/**
 * Why a state root cannot be used as a directory (a dangling symlink, a file or device, a
 * directory this user cannot read and write, or one that cannot be created), or null.
 */
export function stateRootUsability(path: string): string | null {
  const abs = resolve(path);
  const real = realPathLoose(abs);
  // the path or one of its ancestors is a symlink that leads nowhere
  if (!existsSync(abs) && real !== abs && danglingChain(abs))
    return `state root ${abs} is a symlink to ${real}, which does not exist`;
  let st: Stats | null = null;
  try {
    st = statSync(real);
  } catch (e) {
    if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') return `state root ${real} cannot be read (${errno(e)})`;
  }
  if (st) {
    if (!st.isDirectory()) return `state root ${real} is not a directory (${fileType(st)})`;
    try {
      accessSync(real, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch {
      return `state root ${real} is not readable and writable by this user`;
    }
    return null;
  }
  // missing: its nearest existing ancestor must be a directory we may create in
  let cur = dirname(real);
  for (;;) {
    let a: Stats | null = null;
    try {
      a = statSync(cur);
    } catch (e) {
      if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR')
        return `state root ${real} cannot be created: ${cur} cannot be read (${errno(e)})`;
    }
    if (a) {
      if (!a.isDirectory()) return `state root ${real} cannot be created: ${cur} is not a directory (${fileType(a)})`;
      try {
        accessSync(cur, constants.W_OK | constants.X_OK);
      } catch {
        return `state root ${real} cannot be created: ${cur} is not writable by this user`;
      }
      return null;
    }
    const parent = dirname(cur);
    if (parent === cur) return null;
    cur = parent;
  }
}

/** true when some component of `abs` is a symlink whose target does not exist. */
function danglingChain(abs: string): boolean {
  for (let cur = abs; ; cur = dirname(cur)) {
    if (!existsSync(cur) && danglingTarget(cur) !== null) return true;
    if (dirname(cur) === cur) return false;
  }
}

export const STATE_ROOT_FIX =
  'Point the state root at a directory this user owns, outside any repository: ' +
  '--state-root ~/.paas locally (mkdir -m 700 <dir>), ' +
  'state_root: ${{ runner.temp }}/paas-state in Actions, or PAAS_STATE_ROOT.';

/** Refuses a state root inside a git work tree or the workspace (after resolving symlinks), or one that cannot be used as a directory. */
export function guardStateRoot(path: string, opts: GuardOptions = {}): GuardedStateRoot {
  const real = realPathLoose(path);
  const problem = stateRootProblem(real, opts.workspace);
  const unusable = stateRootUsability(path);
  if (unusable && (!problem || opts.allowUnsafe))
    throw new PaasError('PAAS_STATE_ROOT_UNSAFE', unusable, { stage: 'state_root', remediation: STATE_ROOT_FIX });
  if (!problem) return { path: real, unsafe: false };
  if (opts.allowUnsafe) return { path: real, unsafe: true, reason: problem };
  throw new PaasError('PAAS_STATE_ROOT_UNSAFE', problem, {
    stage: 'state_root',
    remediation:
      'Use a state root outside any repository, e.g. --state-root ~/.paas locally ' +
      'or state_root: ${{ runner.temp }}/paas-state in Actions (or set PAAS_STATE_ROOT).',
  });
}
