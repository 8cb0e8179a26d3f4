import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Caller } from '../api/authenticate.js';

/** The HTTP methods routes are declared with. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The numeric codes of the upstream error envelope `{status:false,error:{code,message}}` that a
 * management API route can answer. Every API route can answer 4002 (no or unknown token) and
 * 4003 (permission missing); a route with a body or a query can answer 4000 (with `fields`).
 */
export const EnvelopeCodes = {
  invalidBody: 4000,
  noAuthToken: 4002,
  permissionDenied: 4003,
  entityNotFound: 3001,
  billingPlan: 5050,
} as const;

/** One of {@link EnvelopeCodes}. */
export type EnvelopeCode = (typeof EnvelopeCodes)[keyof typeof EnvelopeCodes];

/** What the declaration of any route says about itself (the OpenAPI operation is generated from it). */
interface RouteBase {
  method: HttpMethod;
  /** An OpenAPI path template: `/mdm/windows/devices/{id}`. Parameters are whole path segments. */
  path: `/${string}`;
  /** Unique across the table; the OpenAPI `operationId`. */
  operationId: string;
  summary: string;
  description?: string;
  /** OpenAPI tags (`devices`, `policies`, `operations`, ...). */
  tags: readonly string[];
}

/** What a management API handler receives: the authenticated caller and the validated request. */
export interface ApiRequest<P, Q, B> {
  caller: Caller;
  params: P;
  query: Q;
  body: B;
  req: IncomingMessage;
  url: URL;
  log: Logger;
}

/**
 * A route of the management API: bearer token with one permission, JSON in, `{status:true,data}`
 * out, errors in the envelope. The router validates `params`, `query` and `body` with the schemas
 * before `handle` runs (a failure is 400, 4000 with `fields`); the OpenAPI document is generated
 * from the same schemas, so the declaration is the one place a route is described.
 *
 * @example
 * ```ts
 * defineApiRoute({
 *   method: 'GET', path: '/mdm/windows/policies/{id}', operationId: 'getPolicy', summary: 'A Windows policy',
 *   tags: ['policies'], permission: Permissions.policyRead,
 *   params: z.object({ id: z.string() }), response: WinPolicySchema, errors: [EnvelopeCodes.entityNotFound],
 *   handle: async ({ caller, params }) => loadPolicy(caller, params.id),
 * });
 * ```
 */
export interface ApiRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> extends RouteBase {
  kind: 'api';
  /** The permission the caller's token must hold. */
  permission: string;
  /** The path parameters (an object of strings), required when the path has `{...}`. */
  params?: P;
  /** The query string, as an object of strings. */
  query?: Q;
  /** The JSON request body. */
  body?: B;
  /** The `data` of the success envelope. */
  response: R;
  /** The success status (default 200). */
  successStatus?: 200 | 201 | 202;
  /**
   * A list answered a page at a time: the handler resolves to a {@link Page} and the answer is
   * `{status:true, data: items, nextCursor}` (`nextCursor` null on the last page); `response`
   * describes `data`.
   */
  paged?: boolean;
  /** Envelope codes the handler itself answers, beyond 4002/4003 and 4000 for a validated input. */
  errors: readonly EnvelopeCode[];
  /**
   * Produces `data`. Typed `unknown` on purpose: documents are assembled from stored JSON; the
   * end-to-end tests validate real answers against {@link ApiRoute.response} instead.
   */
  handle(request: ApiRequest<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** What the handler of a {@link ApiRoute.paged} route resolves to. */
export interface Page {
  items: unknown[];
  /** Where the next page starts (opaque to the client), or null when this is the last. */
  nextCursor: string | null;
}

/** One response of a {@link RawRoute}, for the OpenAPI document. */
export interface RawResponse {
  description: string;
  /** Media type to schema (absent: not described further, e.g. SyncML or Prometheus text). */
  content?: Record<string, { schema?: z.ZodType }>;
  /** Response headers worth knowing (`WWW-Authenticate`, `Winmdm-Refusal`), name to what it says. */
  headers?: Record<string, string>;
}

/** What a {@link RawRoute} handler receives. */
export interface RawRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  log: Logger;
}

/**
 * A route outside the management API's JSON conventions: the device protocol, health, metrics, the
 * OpenAPI document itself. It writes its own answer and needs no bearer token.
 */
export interface RawRoute extends RouteBase {
  kind: 'raw';
  /** The body's media type, or the types it may come in (documented with the same schema). */
  requestBody?: { description: string; contentType: string | readonly string[]; schema?: z.ZodType };
  responses: Record<number, RawResponse>;
  handle(request: RawRequest): Promise<void>;
}

/** Any declared route. */
export type Route = ApiRoute | RawRoute;

/**
 * Declares a management API route with its types inferred from its schemas (the handler sees the
 * parsed `params`, `query` and `body`).
 */
export function defineApiRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodType,
>(route: Omit<ApiRoute<P, Q, B, R>, 'kind'>): ApiRoute {
  return { kind: 'api', ...route } as unknown as ApiRoute;
}

/** Declares a raw route. */
export function defineRawRoute(route: Omit<RawRoute, 'kind'>): RawRoute {
  return { kind: 'raw', ...route };
}
