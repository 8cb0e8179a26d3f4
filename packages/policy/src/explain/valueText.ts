import type { PolicyField } from '../ResolutionResult.js';

const MAX = 160;

function clip(text: string): string {
  return text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value in one line of text for a table: scalars as written, `{ value, format }` as
 * `value (format)`, an ADMX-backed `{ state, data }` as `enabled: id=value, …`, a list entry by
 * what tells it apart (an application's action, a bookmark's title), anything else as compact
 * JSON; at most 160 characters.
 *
 * @example
 * ```ts
 * valueText('config', { value: 5, format: 'int' }); // '5 (int)'
 * valueText('config', { state: 'enabled', data: { Server: 'crm' } }); // 'enabled: Server=crm'
 * ```
 */
export function valueText(field: PolicyField, value: unknown): string {
  if (typeof value === 'string') return clip(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return String(value);
  if (isObject(value)) {
    if (field === 'config' && 'value' in value && Object.keys(value).every((k) => k === 'value' || k === 'format')) {
      return clip(value['format'] === undefined ? String(value['value']) : `${String(value['value'])} (${String(value['format'])})`);
    }
    if (field === 'config' && typeof value['state'] === 'string') {
      const data = isObject(value['data']) ? Object.entries(value['data']) : [];
      const items = data.map(([id, v]) => `${id}=${Array.isArray(v) ? v.join('|') : String(v)}`);
      return clip(items.length === 0 ? value['state'] : `${value['state']}: ${items.join(', ')}`);
    }
    if (field === 'applications') {
      const range = isObject(value['updatePolicy']) ? value['updatePolicy']['allowedVersions'] : undefined;
      return clip(`${typeof value['action'] === 'string' ? value['action'] : 'required'}${typeof range === 'string' ? ` ${range}` : ''}`);
    }
    if (field === 'bookmarks' && typeof value['title'] === 'string') return clip(value['title']);
    if (typeof value['name'] === 'string') return clip(value['name']);
  }
  return clip(JSON.stringify(value));
}
