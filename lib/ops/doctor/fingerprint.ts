import { createHash } from 'node:crypto';

/**
 * A finding's fingerprint: SHA-256 over a domain tag, the check, the kind, the file and what
 * identifies the finding (the secret itself for content findings, a path for artifacts), cut to
 * 128 bits. Line numbers are left out so that moving code does not invalidate a baseline entry.
 */
export function fingerprint(check: string, kind: string, file: string, identity: string): string {
  return createHash('sha256').update(`paas-doctor/1\0${check}\0${kind}\0${file}\0${identity}`).digest('hex').slice(0, 32);
}
