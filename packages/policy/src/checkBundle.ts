import type { z } from 'zod';
import { BundleSchema } from './BundleSchema.js';
import { ConfigSchema } from './ConfigValueSchema.js';
import { compareCodeUnits } from './compareCodeUnits.js';
import { formatIssuePath } from './formatIssuePath.js';
import { nearestName } from './nearestName.js';
import { normalizeOmaUri } from './normalizeOmaUri.js';
import { omaUriProblem } from './omaUriProblem.js';

/** The codes of {@link BundleIssue}. */
export type BundleIssueCode =
  /** An unknown field whose name is a near miss of a known one (kept, but nothing reads it). */
  | 'misspelt-field'
  /** A config key that is not a valid OMA-URI: its value could never reach a node. */
  | 'invalid-loc-uri'
  /** A permission name of an API token that the API does not have: it can never grant anything. */
  | 'unknown-permission'
  /** One policy assigned to a device more than once: it counts once, at its best priority. */
  | 'duplicate-assignment';

/**
 * A problem of a bundle found before anything is resolved or stored. `error`: the value can never
 * work (the bundle is refused); `warning`: it works, but probably not as meant.
 */
export interface BundleIssue {
  code: BundleIssueCode;
  severity: 'error' | 'warning';
  path: (string | number)[];
  message: string;
}

/** Options of {@link checkBundle}. */
export interface CheckBundleOptions {
  /** The schema whose fields count as known (default {@link BundleSchema}; `winmdm import` passes its extended one). */
  schema?: z.ZodType;
  /** The permission names API tokens may hold; absent: permissions are not checked. */
  permissions?: readonly string[];
}

/** The parts of a zod 4 schema definition the walk reads (zod's `_zod.def`). */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configIssues(config: Record<string, unknown>, path: (string | number)[], issues: BundleIssue[]): void {
  for (const key of Object.keys(config)) {
    const problem = omaUriProblem(normalizeOmaUri(key));
    if (problem !== undefined) {
      issues.push({ code: 'invalid-loc-uri', severity: 'error', path: [...path, key], message: `${JSON.stringify(key)} is not a valid OMA-URI: ${problem}` });
    }
  }
}

/** Walks a value along its schema: near misses among unknown fields, and every config record's keys. */
function walk(schema: z.ZodType, value: unknown, path: (string | number)[], issues: BundleIssue[]): void {
  if (schema === ConfigSchema) {
    if (isRecord(value)) configIssues(value, path, issues);
    return;
  }
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      if (def.innerType) walk(def.innerType, value, path, issues);
      return;
    case 'pipe':
      if (def.in) walk(def.in, value, path, issues);
      return;
    case 'lazy':
      if (def.getter) walk(def.getter(), value, path, issues);
      return;
    case 'array':
      if (def.element && Array.isArray(value)) value.forEach((item, i) => walk(def.element!, item, [...path, i], issues));
      return;
    case 'record':
      if (def.valueType && isRecord(value)) for (const [key, item] of Object.entries(value)) walk(def.valueType, item, [...path, key], issues);
      return;
    case 'object': {
      if (!isRecord(value) || !def.shape) return;
      const known = Object.keys(def.shape);
      // A strict object refuses unknown keys itself; the others keep (or drop) them silently.
      const silent = def.catchall === undefined || defOf(def.catchall).type !== 'never';
      for (const [key, item] of Object.entries(value)) {
        const field = def.shape[key];
        if (field !== undefined) {
          walk(field, item, [...path, key], issues);
          continue;
        }
        const near = silent ? nearestName(key, known) : undefined;
        if (near !== undefined) {
          issues.push({
            code: 'misspelt-field',
            severity: 'warning',
            path: [...path, key],
            message: `unknown field ${JSON.stringify(key)} looks like a misspelling of ${JSON.stringify(near)}: it is kept as it is, but nothing reads it`,
          });
        }
      }
      return;
    }
    default:
      // Unions and scalars: nothing to look into.
      return;
  }
}

/**
 * Checks a bundle (as read from JSON, before or after schema validation) for what the schemas let
 * through but cannot work as meant: a near miss of a known field name (`winPolicyAssigments`: the
 * assignment would silently vanish), a config key that is not a valid OMA-URI (`./Devic/...`), an
 * API token permission the API does not know, a policy assigned twice to one device. Unknown fields
 * that resemble no known one pass without comment (an API evolves). Issues are sorted by path.
 *
 * @example
 * ```ts
 * for (const issue of checkBundle(JSON.parse(text))) {
 *   console.error(`${issue.severity}: ${formatIssuePath(issue.path)}: ${issue.message}`);
 * }
 * ```
 */
export function checkBundle(input: unknown, options: CheckBundleOptions = {}): BundleIssue[] {
  const issues: BundleIssue[] = [];
  walk(options.schema ?? BundleSchema, input, [], issues);
  if (!isRecord(input)) return issues;

  const devices = Array.isArray(input['devices']) ? input['devices'] : [];
  devices.forEach((device, d) => {
    if (!isRecord(device) || !Array.isArray(device['winPolicyAssignments'])) return;
    const first = new Map<string, number>();
    device['winPolicyAssignments'].forEach((assignment, a) => {
      const id = isRecord(assignment) ? assignment['winPolicyId'] : undefined;
      if (typeof id !== 'string') return;
      const earlier = first.get(id);
      if (earlier === undefined) {
        first.set(id, a);
        return;
      }
      issues.push({
        code: 'duplicate-assignment',
        severity: 'warning',
        path: ['devices', d, 'winPolicyAssignments', a],
        message: `policy ${JSON.stringify(id)} is already assigned by ${formatIssuePath(['winPolicyAssignments', earlier])}: it counts once, at its best priority`,
      });
    });
  });

  const known = options.permissions;
  const tokens = Array.isArray(input['apiTokens']) ? input['apiTokens'] : [];
  if (known !== undefined) {
    tokens.forEach((token, t) => {
      const permissions = isRecord(token) && Array.isArray(token['permissions']) ? token['permissions'] : [];
      permissions.forEach((permission, p) => {
        if (typeof permission !== 'string' || known.includes(permission)) return;
        const near = nearestName(permission, known);
        issues.push({
          code: 'unknown-permission',
          severity: 'error',
          path: ['apiTokens', t, 'permissions', p],
          message: `${JSON.stringify(permission)} is not a permission of the API${near === undefined ? ` (${known.join(', ')})` : ` (did you mean ${JSON.stringify(near)}?)`}`,
        });
      });
    });
  }
  return issues.sort((a, b) => compareCodeUnits(JSON.stringify(a.path), JSON.stringify(b.path)) || compareCodeUnits(a.code, b.code));
}
