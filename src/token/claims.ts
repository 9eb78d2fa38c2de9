// JWT and OAuth claims: what each registered name means, and the time arithmetic behind
// "expired 3h 2m ago" (RFC 7519 §4.1, OpenID Connect Core §2 and §5.1, RFC 9068, RFC 8693).

/** "3h 2m", "59m", "12s", "4d 1h": the two largest units of a duration. */
export function formatDuration(ms: number): string {
  let s = Math.floor(Math.abs(ms) / 1000);
  const units: [string, number][] = [
    ['y', 365 * 86400],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (s >= size || (parts.length === 0 && name === 's')) {
      parts.push(`${Math.floor(s / size)}${name}`);
      s %= size;
    }
    if (parts.length === 2) break;
    if (parts.length === 1 && s === 0) break;
  }
  return parts.join(' ');
}

/** A NumericDate (seconds since the epoch, RFC 7519 §2) as an ISO 8601 UTC string. */
export function isoDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
}

/** "in 59m" / "3h 2m ago" relative to now (ms). */
export function fromNow(seconds: number, nowMs: number): string {
  const delta = seconds * 1000 - nowMs;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}
