/**
 * What to do about a failing check, from its kind and reason token only (never from anything the
 * check saw: no host, no data). The CLI prints these (`fix (<check>): ...`) and the alert issue
 * carries the same text, with the runbook link of the check or of the context.
 */
import type { CheckResult } from './types.js';

const BY_REASON: Record<string, string> = {
  timeout:
    'The check did not answer within its timeout: the service is down or overloaded, ' +
    'or the network path is blocked. Check the service on its targets (`paas target check`) ' +
    'and raise `timeout` only if slowness is expected.',
  slow:
    'The endpoint answered slower than max_latency_ms: look for load or a slow dependency; ' +
    'raise max_latency_ms only if the new latency is acceptable.',
  body_mismatch:
    'The endpoint answered without the expected text (body_contains): ' +
    'a wrong version or an error page is being served.',
  connect_refused:
    'Nothing listens at the checked address: the service is stopped or crashed. Restart it, ' +
    'or roll back (`paas rollback`).',
  dns_failed: 'The host name of the check does not resolve: fix DNS or the vault value the check names.',
  invalid_url: 'The vault value this check names is not an http(s) URL: fix it in the context vault.',
  invalid_host: 'The vault value this check names is not host, host:port or an https URL: fix it in the context vault.',
  expired: 'The certificate has expired: renew it now and reload the server.',
  expires_soon: 'The certificate expires within min_days: renew it (and check that automatic renewal runs).',
  cert_untrusted:
    'The certificate chain is not trusted (or does not match the host): ' +
    'install the full chain on the server, or, for a private CA, ' +
    'name its PEM in `tls.ca` (a vault key).',
  invalid_ca:
    'The vault value named by `tls.ca` is not a PEM certificate bundle: ' +
    'put the private CA certificate(s), PEM encoded, in that vault key.',
  no_certificate: 'The server presented no certificate: check the TLS configuration of the endpoint.',
  disk_full: 'Disk use is above disk_max_pct: prune old releases, logs or dumps on the target, or grow the disk.',
  service_inactive:
    'The service is not active on a target: see `systemctl status` on it, restart it, or roll back (`paas rollback`).',
  release_mismatch:
    'A target does not run the expected release: ' +
    'finish the deploy or roll back (`paas deploy reconcile` shows each target).',
  release_drift:
    'Targets run different releases (a half-finished rollout): ' +
    'redeploy or roll back the fleet (`paas deploy reconcile`).',
  no_current_release: 'A target has no current release: deploy one (`paas deploy`).',
  unreachable: 'A target could not be reached over SSH: check the host, the network and `paas target check`.',
  hostkey_mismatch:
    'A target presented a host key that does not match PAAS_KNOWN_HOSTS: verify the host before updating the vault.',
  auth_failed: 'Authentication was refused (SSH key or database password): rotate or fix the credential in the vault.',
  backup_too_old:
    'The newest backup is older than max_age_hours: check the backup job (cron/timer) and its logs on the target.',
  no_snapshot: 'No backup snapshot was found in the backup directory: check the backup job and `dir`.',
  checksum_mismatch: 'The newest backup does not match its checksum: it is corrupt; take a new backup and verify it.',
  checksum_missing: 'The newest backup has no checksum file: make the backup job write `<file>.sha256` or SHA256SUMS.',
  sql_error: 'The check query failed: run it against the database (read only) and fix the query or the schema.',
  missing_env:
    'A vault key this check needs is missing: add it to the context vault (names only, never values, in logs).',
  invalid_targets: 'PAAS_TARGETS cannot be parsed: fix it in the context vault (`id=user@host:port` pairs).',
};

const BY_KIND: Record<string, string> = {
  http:
    'The HTTP check failed: open the run, look at the status code in values, ' +
    'and check the service and its recent deploys.',
  sql: 'The SQL check reports a bad value: look at the numbers in values and the service that produces them.',
  target: 'A target check failed: run `paas target check` for the targets and look at the failing one.',
  tls: 'The TLS check failed: inspect the endpoint certificate (`openssl s_client -connect <host>:443`).',
  backup: 'The backup check failed: inspect the backup directory and job on the target.',
};

/** The sentence for one failing check (null for healthy, skipped-by-lenient or insufficient checks). */
export function remediationFor(r: Pick<CheckResult, 'kind' | 'status' | 'reason'>): string | null {
  if (r.status !== 'unhealthy' && r.status !== 'error') return null;
  const reason = r.reason ?? '';
  if (BY_REASON[reason]) return BY_REASON[reason] as string;
  if (/^http_5\d\d$/.test(reason))
    return (
      'The endpoint answers a server error: look at the application logs (`paas logs`) ' +
      'and recent deploys; roll back if the last deploy caused it.'
    );
  if (/^http_4\d\d$/.test(reason))
    return 'The endpoint answers a client error: the URL in the vault, the route or its authentication changed.';
  return BY_KIND[r.kind] ?? 'See the run log for this check.';
}
