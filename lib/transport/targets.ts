import { PaasError } from '../output/errors.js';
import { TARGET_ID_RE as TARGET_RE, UNIX_USER_RE as USER_RE } from '../isolation/names.js';

export interface SshTargetSpec {
  kind: 'ssh';
  id: string;
  user: string;
  host: string;
  port: number;
  /** optional absolute directory replacing deploy_root on this target */
  dir?: string | undefined;
}

interface LocalTargetSpec {
  kind: 'local';
  id: string;
  /** replaces deploy_root */
  dir: string;
}

export type TargetSpec = SshTargetSpec | LocalTargetSpec;

const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_RE = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const DIR_RE = /^(\/[A-Za-z0-9._-]+)+$/;
const SSH_SPEC_RE = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:/\s]+)(?::(\d{1,5}))?(\/\S*)?$/;

function bad(n: number, why: string): PaasError {
  return new PaasError('PAAS_INVALID_ARGUMENT', `PAAS_TARGETS entry ${n}: ${why}`, {
    stage: 'targets',
    remediation:
      'PAAS_TARGETS holds `id=user@host:port` pairs (optionally followed by an absolute directory ' +
      'replacing deploy_root) or `id=local:<absolute dir>`, separated by spaces or new lines; ' +
      'ids are letters, digits, dot, dash, underscore.',
  });
}

function safeDir(dir: string, n: number): string {
  if (!DIR_RE.test(dir) || dir.split('/').some((s) => s === '.' || s === '..'))
    throw bad(n, 'the directory must be an absolute path without `..` made of letters, digits, dot, dash, underscore');
  return dir;
}

/** Parses PAAS_TARGETS. Error messages name the entry's position and id, never the host. */
export function parseTargets(text: string): TargetSpec[] {
  const out: TargetSpec[] = [];
  const seen = new Set<string>();
  const tokens = text.split(/[\s,]+/).filter(Boolean);
  tokens.forEach((tok, i) => {
    const n = i + 1;
    const eq = tok.indexOf('=');
    if (eq <= 0) throw bad(n, 'is not id=spec');
    const id = tok.slice(0, eq);
    const spec = tok.slice(eq + 1);
    if (!TARGET_RE.test(id)) throw bad(n, 'the target id is not letters, digits, dot, dash, underscore (max 63)');
    if (seen.has(id)) throw bad(n, `target id ${id} appears twice`);
    seen.add(id);
    if (spec.startsWith('local:')) {
      out.push({ kind: 'local', id, dir: safeDir(spec.slice(6), n) });
      return;
    }
    const m = SSH_SPEC_RE.exec(spec);
    if (!m) throw bad(n, `target ${id} is not user@host:port`);
    const user = m[1] ?? 'root';
    const host = m[2] ?? '';
    const port = m[3] ? Number(m[3]) : 22;
    if (!USER_RE.test(user)) throw bad(n, `target ${id}: the user name is not a valid login name`);
    if (!HOST_RE.test(host) && !IPV6_RE.test(host))
      throw bad(n, `target ${id}: the host is not a host name or IP address`);
    if (!(port >= 1 && port <= 65535)) throw bad(n, `target ${id}: the port is out of range`);
    out.push({
      kind: 'ssh',
      id,
      user,
      host: host.replace(/^\[|\]$/g, ''),
      port,
      dir: m[4] ? safeDir(m[4], n) : undefined,
    });
  });
  if (out.length === 0) throw bad(0, 'no targets');
  return out;
}

/** Keeps the targets named in `selection` (`all` or a comma list), in PAAS_TARGETS order. */
export function selectTargets(all: TargetSpec[], selection: string | undefined): TargetSpec[] {
  if (!selection || selection === 'all') return all;
  const want = selection
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = want.filter((w) => !all.some((t) => t.id === w));
  if (unknown.length) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `unknown target ${unknown.join(', ')}`, {
      stage: 'targets',
      remediation: `Known targets: ${all.map((t) => t.id).join(', ')}.`,
    });
  }
  return all.filter((t) => want.includes(t.id));
}
