/**
 * Every event kind paas-actions appends to a context's events (docs/state.md "Event kinds").
 * test/events.test.ts greps lib/ for `.append('<kind>'` and fails when a kind is missing here.
 */
export const EVENT_KINDS = {
  'context.created': 'a context was laid out (`paas context create`, or an action on first use)',
  'context.exported': 'context metadata was exported (`secrets_included` says whether secrets went with it)',
  'context.imported': 'context metadata was imported',
  'state_root.unsafe_override':
    'an operation ran on a state root inside a repository with the unsafe override (critical)',
  'deploy.started': 'a deploy with apply began: app, release_id, strategy, fanout_plan, run, actor',
  'deploy.succeeded': 'every target runs the new release',
  'deploy.failed': 'a deploy failed: code, stage, target, target_statuses, rolled_back_targets',
  'deploy.locks_released': 'the post step or an interrupted run released the locks of its run',
  'rollback.started': 'a rollback with apply began: app, to_release, run, actor',
  'rollback.succeeded': 'the targets run the release rolled back to',
  'rollback.failed': 'a rollback failed: code, stage, target',
  'rollback.locks_released': 'the post step or an interrupted rollback released its locks',
  'rollback.drill': 'a rollback drill completed (`paas rollback --drill`); read by `paas ops readiness`',
  'prod_verify.finished': 'prod_verify dry_run or verify ended: mode, status, reason',
  'db_bootstrap.run': 'a db_bootstrap run ended: mode, applied, pending, error (file, SQLSTATE)',
  'ops_daily.finished': 'an ops_daily run ended: overall, reason, checks, failed, exit_code',
  'ops_daily.schedule_missed': 'the previous scheduled run is older than expected (age_hours, expected_hours)',
  'ops_readiness.finished': 'a readiness run ended: status, contexts, failed checks',
  'backup.created': 'an encrypted backup of the context was written: path, files, bytes',
  'backup.restored': 'the context was restored from a backup (warning)',
  'alert.acknowledged': 'the open alert was acknowledged (`paas alert acknowledge`)',
} as const satisfies Record<string, string>;

type EventKind = keyof typeof EVENT_KINDS;
export const KNOWN_KINDS = Object.keys(EVENT_KINDS) as EventKind[];
