import { z } from 'zod';
import type { ApiRoute, EnvelopeCode, RawRoute, Route } from '../http/Route.js';
import { EnvelopeCodes } from '../http/Route.js';
import { API_REALM } from '../ServerError.js';

/** A JSON Schema (2020-12) or OpenAPI object, as plain JSON. */
export type JsonValue = { [key: string]: unknown };

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** `info.version` (default the server package's version). */
  version?: string;
  /** `servers[].url`, when known. */
  serverUrl?: string;
  /** Names for schemas used by several routes, so the document defines them once. */
  schemaNames?: ReadonlyMap<z.ZodType, string>;
}

const ENVELOPE_MESSAGES: Record<EnvelopeCode, string> = {
  [EnvelopeCodes.invalidBody]: 'Invalid request (body, query or path), with `fields`',
  [EnvelopeCodes.noAuthToken]: 'No auth token, or one nobody knows',
  [EnvelopeCodes.permissionDenied]: 'The token lacks the permission, named in `permission`',
  [EnvelopeCodes.entityNotFound]: 'Entity not found (another organization\'s included), named in `entity`',
  [EnvelopeCodes.billingPlan]: 'Feature not allowed for the billing plan, named in `feature`',
};

/** The upstream error envelope with every member winmdm adds. */
const ERROR_ENVELOPE: JsonValue = {
  type: 'object',
  description: 'The upstream error envelope `{status:false,error:{code,message}}`.',
  required: ['status', 'error'],
  properties: {
    status: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'integer', description: '4000 invalid request, 4002 no auth token, 4003 permission denied, 3001 entity not found, 5050 billing plan; 400/404/405 for paths' },
        message: { type: 'string' },
        fields: {
          type: 'array',
          description: 'With 4000: what is wrong, where (zod issues)',
          items: {
            type: 'object',
            required: ['path', 'message', 'code'],
            properties: {
              path: { type: 'array', items: { type: ['string', 'integer'] } },
              message: { type: 'string' },
              code: { type: 'string' },
            },
          },
        },
        permission: { type: 'string', description: 'With 4003: the permission required' },
        entity: { type: 'string', description: 'With 3001: what was not found' },
        feature: { type: 'string', description: 'With 5050: the plan feature' },
      },
    },
  },
};

/** A JSON Schema of what a zod schema accepts (the wire format), without the `$schema` header. */
function jsonSchema(schema: z.ZodType): JsonValue {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonValue;
  delete out['$schema'];
  // Shared sub-schemas would be `$defs` with document-relative refs; the models have none.
  if ('$defs' in out) throw new Error('a schema with $defs cannot be embedded in the OpenAPI document');
  return out;
}

/** The error envelope with `error.code` one of `codes`. */
function envelopeSchema(codes: readonly number[], withFields = false): JsonValue {
  return {
    allOf: [
      { $ref: '#/components/schemas/ErrorEnvelope' },
      {
        type: 'object',
        properties: {
          error: { type: 'object', properties: { code: { enum: [...codes] } }, ...(withFields ? { required: ['fields'] } : {}) },
        },
      },
    ],
  };
}

/** OpenAPI header objects: every documented header is a string. */
function headersOf(headers: Record<string, string>): JsonValue {
  return Object.fromEntries(Object.entries(headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
}

function errorResponse(description: string, schema: JsonValue): JsonValue {
  return { description, content: { 'application/json': { schema } } };
}

class Components {
  readonly schemas: Record<string, JsonValue> = { ErrorEnvelope: ERROR_ENVELOPE };
  readonly #named = new Map<z.ZodType, string>();
  readonly #names: ReadonlyMap<z.ZodType, string>;

  constructor(names: ReadonlyMap<z.ZodType, string>) {
    this.#names = names;
  }

  /** A `$ref` to the schema, defined once under its given name or `fallback`. */
  ref(schema: z.ZodType, fallback: string): JsonValue {
    let name = this.#named.get(schema);
    if (!name) {
      name = this.#names.get(schema) ?? fallback;
      if (name in this.schemas) throw new Error(`two schemas named ${name} in the OpenAPI document`);
      this.schemas[name] = jsonSchema(schema);
      this.#named.set(schema, name);
    }
    return { $ref: `#/components/schemas/${name}` };
  }
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The path and query parameters of a route, from its zod object schemas. */
function parameters(route: ApiRoute): JsonValue[] {
  const out: JsonValue[] = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined): void => {
    if (!schema) return;
    if (!(schema instanceof z.ZodObject)) throw new Error(`${route.operationId}: ${where} parameters must be a z.object`);
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const description = field.description;
      out.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        schema: jsonSchema(field),
        ...(description ? { description } : {}),
      });
    }
  };
  add('path', route.params);
  add('query', route.query);
  const declared = new Set(out.filter((p) => p['in'] === 'path').map((p) => p['name']));
  for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) {
    if (!declared.has(name)) throw new Error(`${route.operationId}: path parameter {${String(name)}} has no schema`);
  }
  return out;
}

function apiOperation(route: ApiRoute, components: Components): JsonValue {
  const name = upperFirst(route.operationId);
  const validated = route.body !== undefined || route.query !== undefined || route.params !== undefined || route.errors.includes(EnvelopeCodes.invalidBody);
  const forbidden = [EnvelopeCodes.permissionDenied, ...(route.errors.includes(EnvelopeCodes.billingPlan) ? [EnvelopeCodes.billingPlan] : [])];
  const params = parameters(route);
  const responses: Record<string, JsonValue> = {
    [String(route.successStatus ?? 200)]: {
      description: route.paged ? 'Success, one page: `{status:true,data,nextCursor}`' : 'Success: `{status:true,data}`',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: route.paged ? ['status', 'data', 'nextCursor'] : ['status', 'data'],
            properties: {
              status: { const: true },
              data: components.ref(route.response, `${name}Data`),
              ...(route.paged
                ? { nextCursor: { type: ['string', 'null'], description: 'The `cursor` of the next page; null on the last page' } }
                : {}),
            },
          },
        },
      },
    },
  };
  if (route.method === 'GET') responses['304'] = { description: 'Not modified (`If-None-Match` matched the `ETag`)' };
  // A malformed percent-encoding in the path is answered 400 too, before validation and without fields.
  responses['400'] = errorResponse(
    validated ? ENVELOPE_MESSAGES[EnvelopeCodes.invalidBody] : 'Malformed path',
    validated ? { oneOf: [envelopeSchema([EnvelopeCodes.invalidBody], true), envelopeSchema([400])] } : envelopeSchema([400]),
  );
  responses['401'] = {
    ...errorResponse(ENVELOPE_MESSAGES[EnvelopeCodes.noAuthToken], envelopeSchema([EnvelopeCodes.noAuthToken])),
    headers: headersOf({ 'WWW-Authenticate': `\`Bearer realm="${API_REALM}"\`, with \`error="invalid_token"\` when the token is unknown (RFC 6750)` }),
  };
  responses['403'] = errorResponse(forbidden.map((c) => ENVELOPE_MESSAGES[c]).join('; '), envelopeSchema(forbidden));
  if (route.errors.includes(EnvelopeCodes.entityNotFound)) {
    responses['404'] = errorResponse(ENVELOPE_MESSAGES[EnvelopeCodes.entityNotFound], envelopeSchema([EnvelopeCodes.entityNotFound]));
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: `${route.description ? `${route.description}\n\n` : ''}Permission: \`${route.permission}\`.`,
    tags: [...route.tags],
    security: [{ bearerAuth: [] }],
    'x-permission': route.permission,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: components.ref(route.body, `${name}Request`) } } } } : {}),
    responses,
  };
}

function rawOperation(route: RawRoute, components: Components): JsonValue {
  const name = upperFirst(route.operationId);
  const responses: Record<string, JsonValue> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const content: Record<string, JsonValue> = {};
    for (const [type, media] of Object.entries(response.content ?? {})) {
      content[type] = media.schema ? { schema: components.ref(media.schema, `${name}${status}`) } : {};
    }
    responses[status] = {
      description: response.description,
      ...(response.headers ? { headers: headersOf(response.headers) } : {}),
      ...(Object.keys(content).length > 0 ? { content } : {}),
    };
  }
  const body = route.requestBody;
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [...route.tags],
    security: [],
    ...(body
      ? {
          requestBody: {
            required: true,
            description: body.description,
            content: Object.fromEntries(
              (typeof body.contentType === 'string' ? [body.contentType] : body.contentType).map((type) => [
                type,
                body.schema ? { schema: components.ref(body.schema, `${name}Request`) } : {},
              ]),
            ),
          },
        }
      : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of a route table: every route with its permission, parameters,
 * request body and responses, the error envelope with the codes each route can answer (4000 with
 * `fields`, 4002, 4003, 3001, 5050), JSON Schemas generated from the routes' zod schemas (zod 4's
 * `z.toJSONSchema`, what a request or answer may look like on the wire).
 *
 * @example
 * ```ts
 * const doc = buildOpenApiDocument(server.router.routes, { serverUrl: server.origin });
 * writeFileSync('openapi.json', JSON.stringify(doc, null, 2));
 * ```
 */
export function buildOpenApiDocument(routes: readonly Route[], options: OpenApiOptions = {}): JsonValue {
  const components = new Components(options.schemaNames ?? new Map());
  const paths: Record<string, Record<string, JsonValue>> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    const method = route.method.toLowerCase();
    if (item[method]) throw new Error(`${route.method} ${route.path} is declared twice`);
    item[method] = route.kind === 'api' ? apiOperation(route, components) : rawOperation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'winmdm',
      version: options.version ?? '0.1.0',
      description:
        'The management API (the upstream document\'s device endpoints, the sync agent contract, policies), the ' +
        'OMA-DM device endpoint and the operations endpoints of a winmdm server. Every management API answer is ' +
        '`{status:true,data}` or the error envelope `{status:false,error:{code,message}}`.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token of the organization' } },
    },
  };
}
