/**
 * Quiet periods: times the platform sends no nudges (nights, weekends, a holiday freeze).
 * A delivery due in one is logged as suppressed (quiet) and made when the period ends.
 */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export type QuietPeriod =
  | {
      /** Every day (or the given days) from `from` to `to`, local time; `to` before `from` spans midnight. */
      kind: 'daily';
      /** Minutes after local midnight. */
      fromMinute: number;
      toMinute: number;
      /** IANA time zone, e.g. Europe/Berlin. */
      timeZone: string;
      /** Days the period starts on (default every day). */
      days?: readonly Weekday[] | undefined;
    }
  | { kind: 'range'; startMs: number; endMs: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError naming the zone when it is not one Intl knows. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** Local weekday and seconds after local midnight. */
function localTime(ms: number, timeZone: string): { weekday: number; second: number } {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const weekday = WEEKDAYS.indexOf((parts.weekday ?? '').toLowerCase().slice(0, 3) as Weekday);
  return {
    weekday,
    second: Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second),
  };
}

const DAY_S = 86_400;

/** The end of the quiet period `now` falls in (ms), if it falls in one. */
function dailyUntil(p: Extract<QuietPeriod, { kind: 'daily' }>, now: number): number | undefined {
  const { weekday, second } = localTime(now, p.timeZone);
  const from = p.fromMinute * 60;
  const to = p.toMinute * 60;
  const startsOn = (d: number) => !p.days || p.days.includes(WEEKDAYS[(d + 7) % 7] as Weekday);
  let inside: boolean;
  if (from === to) inside = false;
  else if (from < to) inside = second >= from && second < to && startsOn(weekday);
  else inside = (second >= from && startsOn(weekday)) || (second < to && startsOn(weekday - 1));
  if (!inside) return undefined;
  // Seconds to the local end; a DST change inside the period moves it by an hour, which the
  // next look (at this time) notices and waits out.
  const left = (to - second + DAY_S) % DAY_S || DAY_S;
  return now - (now % 1000) + left * 1000;
}

/** When the quiet period `now` is in ends (the latest end if several overlap), or undefined. */
export function quietUntil(periods: readonly QuietPeriod[], now: number): number | undefined {
  let until: number | undefined;
  for (const p of periods) {
    const end =
      p.kind === 'range' ? (now >= p.startMs && now < p.endMs ? p.endMs : undefined) : dailyUntil(p, now);
    if (end !== undefined && (until === undefined || end > until)) until = end;
  }
  return until;
}
