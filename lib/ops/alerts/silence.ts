/**
 * When nobody should be paged although checks fail (PRODUCT.md section 6): a maintenance window of
 * the context (weekly, in its time zone), or a deploy that runs (a deploy lock held on a target) or
 * has just finished (within `ops.alerting.deploy_grace` of the newest entry of a target's release
 * history). Checks still run and are reported; only the alert (issue, Slack) is held back, and a
 * failure that outlasts the window or the grace period pages as usual.
 */

import { WEEKDAYS, type MaintenanceWindowConfig } from '../../config/paas-yml.js';

export { WEEKDAYS };
type Weekday = (typeof WEEKDAYS)[number];

/** `contexts.<name>.maintenance[]` of paas.yml (the schema's type): weekdays, start HH:MM in `timezone`, duration in ms. */
type MaintenanceWindow = Readonly<MaintenanceWindowConfig>;

const WEEK_MIN = 7 * 1440;

/** Minutes since Monday 00:00 of the local week in `tz` (wall clock). */
function localWeekMinutes(at: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = WEEKDAYS.indexOf(get('weekday').toLowerCase().slice(0, 3) as Weekday);
  return day * 1440 + Number(get('hour')) * 60 + Number(get('minute'));
}

/** The window `now` falls in (a window may cross midnight and the end of the week), or null. */
export function activeWindow(windows: readonly MaintenanceWindow[] | undefined, now: Date): MaintenanceWindow | null {
  for (const w of windows ?? []) {
    const nowMin = localWeekMinutes(now, w.timezone);
    const [h, m] = w.start.split(':').map(Number) as [number, number];
    const durMin = Math.ceil(w.duration / 60_000);
    for (const d of w.weekdays) {
      const startMin = WEEKDAYS.indexOf(d) * 1440 + h * 60 + m;
      const since = (((nowMin - startMin) % WEEK_MIN) + WEEK_MIN) % WEEK_MIN;
      if (since < durMin) return w;
    }
  }
  return null;
}

type SilenceReason = 'maintenance' | 'deploying';

export interface Silence {
  reason: SilenceReason;
  /** a human sentence for the log and the summary */
  detail: string;
}
