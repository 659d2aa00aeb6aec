import { fail, pass, type Verdict, warn } from './result.ts';

/** Beyond this, token validation with the usual leeway (a minute or so) gets flaky. */
export const SKEW_WARN_SECONDS = 60;
/** Beyond this, ID tokens are rejected as not yet valid or expired by most relying parties. */
export const SKEW_FAIL_SECONDS = 300;

export const CLOCK_FIX =
  "Synchronize the clock of the operator's node with NTP (chrony or systemd-timesyncd), or the identity provider's if it is the one that is off: ID tokens' iat and exp are checked against the local clock";

/**
 * Compares the IdP's HTTP Date header with the local clock at the time the response arrived.
 * The header has one-second resolution, which is far below the thresholds. Pure.
 */
export function assessClockSkew(dateHeader: string | undefined, localMs: number): Verdict {
  const remoteMs = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  if (Number.isNaN(remoteMs)) {
    return warn("the identity provider's response has no valid Date header, so clock skew can't be measured");
  }
  const skew = Math.round((localMs - remoteMs) / 1000);
  const abs = Math.abs(skew);
  const direction = skew > 0 ? 'ahead of' : 'behind';
  const said = `the local clock is ${formatSeconds(abs)} ${direction} the identity provider's`;
  if (abs > SKEW_FAIL_SECONDS)
    return fail(`${said} (more than ${SKEW_FAIL_SECONDS / 60} minutes)`, CLOCK_FIX);
  if (abs > SKEW_WARN_SECONDS) return warn(`${said} (more than ${SKEW_WARN_SECONDS} s)`, CLOCK_FIX);
  return pass(abs <= 1 ? "the local clock agrees with the identity provider's" : said);
}

function formatSeconds(s: number): string {
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
