/**
 * Shared by the persistence and backup tests: secret-looking fixtures generated at test time,
 * an independent scanner for vault values in every leaked form, and a way to run the action's
 * main and post hooks in-process the way the runner hands state from one to the other.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Vault values that look like real credentials, assembled from fragments so no literal is committed. */
export function generatedVault(): Record<string, string> {
  const b64 = randomBytes(180).toString('base64');
  const pem = [
    `-----BEGIN ${'OPENSSH'} PRIVATE ${'KEY'}-----`,
    ...(b64.match(/.{1,64}/g) ?? []),
    `-----END ${'OPENSSH'} PRIVATE ${'KEY'}-----`,
  ].join('\n');
  return {
    PAAS_STATE_KEY: randomBytes(32).toString('base64'),
    GITHUB_PAT: ['gh', 'p_'].join('') + randomBytes(27).toString('base64url').slice(0, 36),
    POSTGRES_DSN_PROD: `postgres://app:${randomBytes(9).toString('hex')}@db.internal:5432/app`,
    DB_PASSWORD: `pw-${randomBytes(10).toString('hex')}`,
    PAAS_SSH_KEY: pem,
  };
}

export function dotenv(values: Record<string, string>): string {
  return (
    Object.entries(values)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n') + '\n'
  );
}

/** Every form a value can leak in; written independently of lib/persistence/scan.ts on purpose. */
export function leakForms(value: string): string[] {
  const out = new Set<string>();
  for (const v of [value, ...value.split('\n')].filter((x) => x.length >= 8)) {
    out.add(v);
    const buf = Buffer.from(v);
    for (let pad = 0; pad < 3; pad++) {
      const enc = Buffer.concat([Buffer.alloc(pad, 0x41), buf]).toString('base64');
      const core = enc.slice([0, 2, 3][pad], Math.floor((pad + buf.length) / 3) * 4);
      if (core.length >= 8) {
        out.add(core);
        out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
      }
    }
    out.add(buf.toString('hex'));
    out.add(buf.toString('hex').toUpperCase());
    out.add(encodeURIComponent(v));
    out.add(JSON.stringify(v).slice(1, -1));
  }
  return [...out];
}

/** The vault keys whose value appears (in any form) in `data`. */
export function leakedKeys(data: Buffer, vault: Record<string, string>): string[] {
  return Object.entries(vault)
    .filter(([, v]) => leakForms(v).some((f) => data.includes(Buffer.from(f))))
    .map(([k]) => k);
}

/** The single file inside an @actions/cache archive (tar + zstd, or gzip without zstd), as the runner would extract it. */
export function archivePayload(archive: Buffer): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'paas-archive-'));
  try {
    const f = join(dir, 'cache.tar');
    writeFileSync(f, archive);
    // GNU tar detects the compression itself; -O writes the member to stdout, so -P extracts nothing anywhere
    return execFileSync('tar', ['-P', '-xOf', f], { maxBuffer: 256 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with process.stdout captured (the runner's log of @actions/core and @actions/cache). */
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const orig = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { value: await fn(), out };
  } finally {
    process.stdout.write = orig;
  }
}

/** Entries of a GITHUB_STATE file (`name<<delimiter ... delimiter`), as the runner turns them into STATE_<name>. */
export function parseStateFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\r?\n([\s\S]*?)\r?\n\2\r?$/gm;
  for (const m of text.matchAll(re)) out[m[1] as string] = m[3] as string;
  return out;
}

/** Sets env variables for the duration of `fn`, restoring the previous values after. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
