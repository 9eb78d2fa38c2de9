// Granted authorization_details (RFC 9396 §7, §9.1, §9.2) for people: one line per element, its
// type first, then its fields; shared by the login summary, decode and introspect.
import type { Style } from './io.js';
import { safeText } from './text.js';

const MAX_FIELD = 200;

function fieldText(value: unknown): string {
  const text =
    Array.isArray(value) && value.every((v) => typeof v === 'string')
      ? value.join(', ')
      : (JSON.stringify(value) ?? String(value));
  return safeText(text, { max: MAX_FIELD });
}

/** Each element as a line: `type: field value; field value`; anything else as escaped JSON. */
export function detailLines(value: unknown, s: Style): string[] {
  if (!Array.isArray(value)) return [fieldText(value)];
  if (value.length === 0) return [s.dim('(none)')];
  return value.map((detail: unknown) => {
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return fieldText(detail);
    }
    const { type, ...fields } = detail as Record<string, unknown>;
    const head =
      typeof type === 'string' ? s.bold(safeText(type, { max: 80 })) : s.red('(no type)');
    const rest = Object.entries(fields).map(
      ([key, field]) => `${s.cyan(safeText(key, { max: 40 }))} ${fieldText(field)}`,
    );
    return rest.length === 0 ? head : `${head}: ${rest.join('; ')}`;
  });
}
