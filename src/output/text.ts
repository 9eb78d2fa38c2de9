// Text from outside (tokens, servers) made safe for a terminal: control characters escaped so a
// hostile claim or error_description cannot move the cursor or change colours (README "Security").

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Escapes control and bidi characters; keeps newlines and tabs when `multiline`. */
export function safeText(
  text: string,
  options: { multiline?: boolean; max?: number } = {},
): string {
  let value = text;
  if (options.max !== undefined && value.length > options.max) {
    value = `${value.slice(0, options.max)}… (${text.length - options.max} more characters)`;
  }
  value = value.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (!options.multiline) value = value.replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return value;
}

/** What JSON.stringify leaves raw but a terminal acts on: C1 controls, line separators, bidi. */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A JSON document for stdout: exact values, with the characters above as \u escapes (still the
 * same JSON, and safe at a terminal). `indent` 0 for one line (NDJSON).
 */
export function jsonText(value: unknown, indent = 2): string {
  const text = JSON.stringify(value, null, indent === 0 ? undefined : indent);
  return text.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
