/**
 * Target connection, for every operation that reaches targets (deploy, rollback, reconcile,
 * target check, logs, the readiness drill) and the check engine (`target` and `backup` checks):
 * the targets and SSH settings from the context vault, one Transport per target, the connect gate
 * every remote step goes through, and the stable error code and fix of a link failure.
 */
import { PaasError, type ErrorCode } from '../output/errors.js';
import { interruptRequested } from '../runtime/interrupt.js';
import type { Vault } from '../isolation/vault.js';
import { Limiter } from './limit.js';
import { LocalTransport } from './local.js';
import { parseKnownHosts, parsePins } from './known-hosts.js';
import { SshTransport, type JumpSpec } from './ssh.js';
import { parseTargets, type TargetSpec } from './targets.js';
import { TransportError, type Transport } from './transport.js';

interface ConnectSettings {
  concurrency: number;
  attempts: number;
  backoffMs?: number;
  log: (m: string) => void;
}

export function targetsFromVault(vault: Vault): TargetSpec[] {
  return parseTargets(vault.require('PAAS_TARGETS', 'deploy and rollback (the list of targets)'));
}

function parseJump(text: string | undefined): JumpSpec | undefined {
  if (!text) return undefined;
  const m = /^(?:([a-z_][a-z0-9_.-]{0,31})@)?([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/.exec(
    text.trim(),
  );
  if (!m)
    throw new PaasError('PAAS_INVALID_ARGUMENT', 'PAAS_SSH_JUMP is not user@host:port', {
      stage: 'targets',
      remediation: 'Set PAAS_SSH_JUMP to user@host:port of the bastion, or remove it.',
    });
  return { user: m[1] ?? 'root', host: (m[2] as string).replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : 22 };
}

/** Builds one (unconnected) transport per target. SSH needs PAAS_SSH_KEY and PAAS_KNOWN_HOSTS. */
export function buildTransports(specs: TargetSpec[], vault: Vault, s: ConnectSettings): Map<string, Transport> {
  const out = new Map<string, Transport>();
  const ssh = specs.some((t) => t.kind === 'ssh');
  const limiter = new Limiter(s.concurrency);
  const key = ssh ? vault.require('PAAS_SSH_KEY', 'SSH connections to the targets') : '';
  const known = ssh
    ? parseKnownHosts(
        vault.require('PAAS_KNOWN_HOSTS', 'strict host key checking (known_hosts lines for every target)'),
      )
    : [];
  const pins = parsePins(vault.get('PAAS_SSH_FINGERPRINTS'));
  const jump = parseJump(vault.get('PAAS_SSH_JUMP'));
  for (const spec of specs) {
    if (spec.kind === 'local') out.set(spec.id, new LocalTransport(spec.dir));
    else
      out.set(
        spec.id,
        new SshTransport(spec, {
          privateKey: key,
          knownHosts: known,
          pin: pins.get(spec.id),
          jump,
          setupLimiter: limiter,
          attempts: s.attempts,
          backoffMs: s.backoffMs,
          log: s.log,
        }),
      );
  }
  return out;
}

/**
 * Every remote step of a run calls this first: it connects (`Transport.connect`) and, once the run
 * was interrupted (lib/runtime/interrupt.ts), refuses so that no new remote work starts. Cleanup
 * passes `evenIfInterrupted`.
 */
export async function connectTransport(t: Transport, opts: { evenIfInterrupted?: boolean } = {}): Promise<void> {
  const sig = opts.evenIfInterrupted ? null : interruptRequested();
  if (sig) throw new TransportError('link', `interrupted by ${sig}: no new remote work is started`);
  await t.connect();
}

/** Maps a transport failure to the stable error code for the stage it happened in. */
export function transportErrorCode(e: TransportError, stage: string): ErrorCode {
  if (e.kind === 'hostkey') return 'PAAS_REMOTE_HOSTKEY_MISMATCH';
  if (e.kind === 'connect' || e.kind === 'auth') return 'PAAS_REMOTE_CONNECT_FAILED';
  if (e.kind === 'upload' || stage === 'upload') return 'PAAS_REMOTE_UPLOAD_FAILED';
  return 'PAAS_REMOTE_APPLY_FAILED';
}

/** The fix for a link failure's code (`transportErrorCode`); for any other code, the generic one. */
export function transportRemediation(code: ErrorCode): string {
  switch (code) {
    case 'PAAS_REMOTE_HOSTKEY_MISMATCH':
      return (
        'Verify the host key out of band (ssh-keyscan from a trusted network, compare fingerprints), ' +
        'then update PAAS_KNOWN_HOSTS in the context vault, and PAAS_SSH_FINGERPRINTS where that target is pinned ' +
        '(`<target>=SHA256:...`). Nothing was changed on any target.'
      );
    case 'PAAS_REMOTE_CONNECT_FAILED':
      return (
        'Check that the target is up, sshd listens on the given port, and that PAAS_SSH_KEY is in its ' +
        'authorized_keys; run `paas target check` for details.'
      );
    case 'PAAS_REMOTE_UPLOAD_FAILED':
      return (
        'Check disk space and the connection to the target (`paas target check`), then re-run; ' +
        'the upload is verified by sha256 before anything is unpacked.'
      );
    default:
      return 'Read the failing stage and the last log lines of the target; fix the cause and re-run.';
  }
}
