/**
 * Deploy's failure texts: what happened to the fleet, and the fix for each failure code of a
 * deploy or rollback (a link failure's fix comes from lib/transport/connect.ts).
 */
import type { ErrorCode } from '../../output/errors.js';
import { transportRemediation } from '../../transport/connect.js';

/**
 * What happened to the fleet, for a fix text: returned (every switched target back), partly
 * returned (naming the targets that could not be), or nothing switched. Never claims more than happened.
 */
export function fleetSentence(nodes: ReadonlyArray<{ name: string; status: string; switched: boolean }>): string {
  const failed = nodes.filter((n) => n.status === 'rollback_failed').map((n) => n.name);
  const back = nodes.filter((n) => n.status === 'rolled_back').map((n) => n.name);
  if (failed.length)
    return (
      `${failed.join(', ')} could NOT be returned to its previous release (rollback_failed): ` +
      `check ${failed.length === 1 ? 'it' : 'them'} with \`paas deploy reconcile\` and roll back with ` +
      `\`paas rollback\`${back.length ? `; ${back.join(', ')} ${back.length === 1 ? 'was' : 'were'} returned` : ''}.`
    );
  if (back.length)
    return `The targets that had switched (${back.join(', ')}) were returned to the release each ran before.`;
  if (!nodes.some((n) => n.switched))
    return 'No target was switched: every target still runs the release it ran before.';
  return '';
}

export function remediationFor(code: ErrorCode): string {
  switch (code) {
    case 'PAAS_HEALTH_CHECK_FAILED':
      return "Read the target's last log lines below and the app's own log; fix the release and deploy again.";
    case 'PAAS_INTERRUPTED':
      return 'The run was cancelled; check the targets with `paas deploy reconcile`, then run it again.';
    case 'PAAS_LOCK_HELD':
      return (
        'Another deploy or rollback of this app and context is running (owner above). Wait for it; ' +
        'a lock of a cancelled run is released by its post step or becomes stale after lock_ttl.'
      );
    default:
      return transportRemediation(code);
  }
}
