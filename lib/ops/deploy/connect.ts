import { PaasError, type ErrorCode } from '../../output/errors.js';
import { interruptRequested } from '../../runtime/interrupt.js';
import type { Vault } from '../../isolation/vault.js';
import { Limiter } from '../../transport/limit.js';
import { LocalTransport } from '../../transport/local.js';
import { parseKnownHosts, parsePins } from '../../transport/known-hosts.js';
import { SshTransport, type JumpSpec } from '../../transport/ssh.js';
import { parseTargets, type TargetSpec } from '../../transport/targets.js';
import { TransportError, type Transport } from '../../transport/transport.js';

export interface ConnectSettings {
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
 * Every remote step of a run calls this first: it connects (SSH) and, once the CLI was interrupted
 * (SIGINT/SIGTERM), refuses so that no new remote work starts. Cleanup passes `evenIfInterrupted`.
 */
export async function connectTransport(t: Transport, opts: { evenIfInterrupted?: boolean } = {}): Promise<void> {
  const sig = opts.evenIfInterrupted ? null : interruptRequested();
  if (sig) throw new TransportError('link', `interrupted by ${sig}: no new remote work is started`);
  if (t instanceof SshTransport) await t.connect();
}

/** Maps a transport failure to the stable error code for the stage it happened in. */
export function transportErrorCode(e: TransportError, stage: string): ErrorCode {
  if (e.kind === 'hostkey') return 'PAAS_REMOTE_HOSTKEY_MISMATCH';
  if (e.kind === 'connect' || e.kind === 'auth') return 'PAAS_REMOTE_CONNECT_FAILED';
  if (e.kind === 'upload' || stage === 'upload') return 'PAAS_REMOTE_UPLOAD_FAILED';
  return 'PAAS_REMOTE_APPLY_FAILED';
}

/**
 * What happened to the fleet, for a fix text: returned (every switched target back), partly
 * returned (naming the targets that could not be), or nothing switched. Never claims more than happened.
 */
export function fleetSentence(nodes: ReadonlyArray<{ name: string; status: string; switched: boolean }>): string {
  const failed = nodes.filter((n) => n.status === 'rollback_failed').map((n) => n.name);
  const back = nodes.filter((n) => n.status === 'rolled_back').map((n) => n.name);
  if (failed.length)
    return `${failed.join(', ')} could NOT be returned to its previous release (rollback_failed): check ${failed.length === 1 ? 'it' : 'them'} with \`paas deploy reconcile\` and roll back with \`paas rollback\`${back.length ? `; ${back.join(', ')} ${back.length === 1 ? 'was' : 'were'} returned` : ''}.`;
  if (back.length)
    return `The targets that had switched (${back.join(', ')}) were returned to the release each ran before.`;
  if (!nodes.some((n) => n.switched))
    return 'No target was switched: every target still runs the release it ran before.';
  return '';
}

export function remediationFor(code: ErrorCode): string {
  switch (code) {
    case 'PAAS_REMOTE_HOSTKEY_MISMATCH':
      return 'Verify the host key out of band (ssh-keyscan from a trusted network, compare fingerprints), then update PAAS_KNOWN_HOSTS in the context vault, and PAAS_SSH_FINGERPRINTS where that target is pinned (`<target>=SHA256:...`). Nothing was changed on any target.';
    case 'PAAS_REMOTE_CONNECT_FAILED':
      return 'Check that the target is up, sshd listens on the given port, and that PAAS_SSH_KEY is in its authorized_keys; run `paas target check` for details.';
    case 'PAAS_REMOTE_UPLOAD_FAILED':
      return 'Check disk space and the connection to the target (`paas target check`), then re-run; the upload is verified by sha256 before anything is unpacked.';
    case 'PAAS_HEALTH_CHECK_FAILED':
      return "Read the target's last log lines below and the app's own log; fix the release and deploy again.";
    case 'PAAS_INTERRUPTED':
      return 'The run was cancelled; check the targets with `paas deploy reconcile`, then run it again.';
    case 'PAAS_LOCK_HELD':
      return 'Another deploy or rollback of this app and context is running (owner above). Wait for it; a lock of a cancelled run is released by its post step or becomes stale after lock_ttl.';
    default:
      return 'Read the failing stage and the last log lines of the target; fix the cause and re-run.';
  }
}

export { TransportError };
