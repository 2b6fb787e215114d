/** The release a rollback returns to, across the selected targets (pure; used by rollback and the readiness drill). */
import { PaasError } from '../../output/errors.js';
import { releaseStatuses, type TargetState } from '../../transport/release-state.js';

function resolveFailed(message: string, target: string | null, remediation: string): PaasError {
  return new PaasError('PAAS_ROLLBACK_RESOLVE_FAILED', message, { stage: 'resolve', target, remediation });
}

/**
 * The release to return to: `to_release` if given (it must exist on every selected target), else
 * the newest release that is good on every target and is not current anywhere it would be left from
 * (releases marked bad are skipped). Pure; unit-tested.
 */
export function resolveRollback(
  states: Array<{ target: string; state: TargetState }>,
  toRelease?: string,
  allowBad = true,
): { release: string; from: Map<string, string | null> } {
  const from = new Map(states.map((s) => [s.target, s.state.current]));
  if (toRelease) {
    const missing = states.filter((s) => !s.state.releases.includes(toRelease)).map((s) => s.target);
    if (missing.length) {
      throw resolveFailed(
        `release ${toRelease} does not exist on ${missing.join(', ')}`,
        missing[0] ?? null,
        'Pick a release that every target still has (run the rollback plan without to_release to see the ' +
          'candidates); nothing was changed.',
      );
    }
    const bad = states
      .filter((s) => releaseStatuses(s.state.history).status.get(toRelease) === 'bad')
      .map((s) => s.target);
    if (bad.length && !allowBad) {
      throw resolveFailed(
        `release ${toRelease} is marked bad on ${bad.join(', ')}`,
        bad[0] ?? null,
        'Pick a good release (run the rollback plan without to_release), ' +
          'or confirm with allow_bad_release: true (--allow-bad-release) if you mean to return to it; ' +
          'nothing was changed.',
      );
    }
    return { release: toRelease, from };
  }
  const first = states[0];
  if (!first) throw resolveFailed('no targets selected', null, 'Select targets with `target`.');
  const per = states.map((s) => ({ s, st: releaseStatuses(s.state.history) }));
  const currents = new Set(states.map((s) => s.state.current).filter(Boolean));
  for (const r of per[0]!.st.goodOrder) {
    if (currents.has(r)) continue;
    if (per.every(({ s, st }) => s.state.releases.includes(r) && st.status.get(r) === 'good'))
      return { release: r, from };
  }
  throw resolveFailed(
    'no good release before the current one exists on every target',
    null,
    'Give to_release explicitly (a release id present on every target), or deploy a fixed release; ' +
      'nothing was changed.',
  );
}
