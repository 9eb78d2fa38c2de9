// Durations and dates as people read them: "3h 2m", ISO 8601 UTC or local, "in 59m". The one
// formatter for token explanations, verify messages and the human output alike.

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
    } else if (parts.length === 1) {
      break; // "1h 0m 5s" is "1h", never "1h 5s": only adjacent units
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

/** A NumericDate as ISO 8601 in the local time zone with its offset: 2026-01-02T03:04:05+01:00. */
export function localIsoDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return String(seconds);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone =
    offset === 0
      ? 'Z'
      : `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const ms = date.getMilliseconds();
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${ms === 0 ? '' : `.${pad(ms, 3)}`}${zone}`
  );
}

/** "in 59m" / "3h 2m ago" relative to now (ms). */
export function fromNow(seconds: number, nowMs: number): string {
  const delta = seconds * 1000 - nowMs;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}
