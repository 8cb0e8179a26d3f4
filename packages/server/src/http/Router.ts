import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Caller } from '../api/authenticate.js';
import { requirePermission } from '../api/authenticate.js';
import { ApiError, InvalidBodyError, type FieldIssue } from '../ServerError.js';
import type { Metrics } from '../metrics/Metrics.js';
import { BodyTooLargeError, readBody } from './readBody.js';
import type { ApiRoute, HttpMethod, Page, Route } from './Route.js';
import { sendApiError, sendJson } from './sendJson.js';

/** Options of {@link Router}. */
export interface RouterOptions {
  /** Resolves the caller of a management API request (bearer token); throws an ApiError when there is none. */
  authenticate(req: IncomingMessage): Promise<Caller>;
  metrics?: Metrics;
  /** Largest accepted JSON body (default 1 MiB). */
  maxBodyBytes?: number;
}

/** A registered route, as the router holds it. */
export interface RegisteredRoute {
  method: HttpMethod;
  /** The OpenAPI path template (`/mdm/windows/devices/{id}`). */
  path: string;
}

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** `/devices/{id}` to find-my-way's `/devices/:id`. */
function routerPath(template: string): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** find-my-way's `/devices/:id` back to `/devices/{id}`. */
function templatePath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function zodIssues(issues: readonly { path: readonly PropertyKey[]; message: string; code: string }[]): FieldIssue[] {
  return issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: i.message,
    code: i.code,
  }));
}

function parse<S extends z.ZodType>(schema: S, value: unknown, at: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidBodyError(
    zodIssues(parsed.error.issues).map((i) => (at === 'body' ? i : { ...i, path: [at, ...i.path] })),
    at === 'body' ? undefined : `Invalid request ${at}`,
  );
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readBody(req, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new InvalidBodyError([{ path: [], message: error.message, code: 'too_big' }]);
    throw error;
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new InvalidBodyError([{ path: [], message: 'body is not JSON', code: 'invalid_json' }]);
  }
}

/**
 * Routes requests to the declared {@link Route}s with find-my-way (a radix tree: lookup cost does
 * not grow with the number of routes, and paths are matched and decoded in one pass). For a
 * management API route it authenticates the caller, checks the permission, validates params,
 * query and body with the route's zod schemas and answers `{status:true,data}` or the error
 * envelope; a raw route writes its own answer. A path that exists with another method is 405
 * with `Allow`; a malformed percent-encoding is 400. Every request of a declared route is counted
 * in `winmdm_api_requests_total` under its path template.
 */
export class Router {
  // A malformed percent-encoding comes back as a match without a store (see find()).
  readonly #fmw = FindMyWay({
    ignoreTrailingSlash: false,
    caseSensitive: true,
    maxParamLength: 512,
    onBadUrl: () => undefined,
  });
  readonly #o: Required<Omit<RouterOptions, 'metrics'>> & { metrics?: Metrics };
  readonly #routes: Route[] = [];

  constructor(routes: readonly Route[], options: RouterOptions) {
    this.#o = { maxBodyBytes: 1024 * 1024, ...options };
    for (const route of routes) this.add(route);
  }

  /** Registers one more route; throws if the method and path are taken. */
  add(route: Route): void {
    if (this.#routes.some((r) => r.operationId === route.operationId)) throw new Error(`duplicate operationId ${route.operationId}`);
    this.#fmw.on(route.method, routerPath(route.path), () => undefined, route);
    this.#routes.push(route);
  }

  /** The declared routes, in registration order (what the OpenAPI document is generated from). */
  get routes(): readonly Route[] {
    return this.#routes;
  }

  /** What the underlying router really has registered (what a test compares the OpenAPI document with). */
  registered(): RegisteredRoute[] {
    // `routes` is documented in find-my-way's README but missing from its typings.
    const routes = (this.#fmw as unknown as { routes: { method: string; path: string }[] }).routes;
    return routes.map((r) => ({ method: r.method as HttpMethod, path: templatePath(r.path) }));
  }

  /** Answers the request if a route matches its path; resolves false when none does (the caller answers 404). */
  async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, log: Logger): Promise<boolean> {
    const method = (req.method ?? 'GET') as HttpMethod;
    const path = url.pathname;
    let found: ReturnType<typeof this.find>;
    try {
      found = this.find(method, path);
    } catch {
      sendJson(res, 400, { status: false, error: { code: 400, message: 'Malformed path' } });
      return true;
    }
    if (!found) {
      const allowed = METHODS.filter((m) => m !== method && this.#safeFind(m, path) !== null);
      if (allowed.length === 0) return false;
      res.setHeader('allow', allowed.join(', '));
      sendJson(res, 405, { status: false, error: { code: 405, message: 'Method not allowed' } });
      return true;
    }
    const { route, params } = found;
    const started = process.hrtime.bigint();
    try {
      if (route.kind === 'raw') await route.handle({ req, res, url, params, log });
      else await this.#runApi(route, req, res, url, params, log);
    } finally {
      const metrics = this.#o.metrics;
      if (metrics) {
        const labels = { route: route.path, method };
        metrics.apiRequests.inc({ ...labels, status: String(res.headersSent ? res.statusCode : 500) });
        metrics.apiRequestSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      }
    }
    return true;
  }

  /**
   * The route for a method and path, with its decoded parameters; null when none matches (an
   * empty parameter, `/devices/`, matches nothing). Throws on a malformed percent-encoding.
   */
  find(method: HttpMethod, path: string): { route: Route; params: Record<string, string> } | null {
    const found = this.#fmw.find(method, path);
    if (!found) return null;
    const route = found.store as Route | null;
    // find-my-way answers a malformed URL with its bad-URL handler, which has no store.
    if (!route) throw new URIError(`malformed path ${path}`);
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(found.params)) {
      if (v === undefined || v === '') return null;
      params[k] = v;
    }
    return { route, params };
  }

  #safeFind(method: HttpMethod, path: string): unknown {
    try {
      return this.find(method, path);
    } catch {
      return null;
    }
  }

  async #runApi(route: ApiRoute, req: IncomingMessage, res: ServerResponse, url: URL, rawParams: Record<string, string>, log: Logger): Promise<void> {
    try {
      const caller = await this.#o.authenticate(req);
      requirePermission(caller, route.permission);
      const params = route.params ? parse(route.params, rawParams, 'path') : undefined;
      const query = route.query ? parse(route.query, Object.fromEntries(url.searchParams), 'query') : undefined;
      const body = route.body ? parse(route.body, await readJson(req, this.#o.maxBodyBytes), 'body') : undefined;
      const started = process.hrtime.bigint();
      const data = await route.handle({ caller, params, query, body, req, url, log });
      if (route.method !== 'GET') {
        // One line per change made through the API: who changed what.
        log.info(
          {
            method: route.method,
            route: route.path,
            ...(rawParams['id'] !== undefined ? { id: rawParams['id'] } : {}),
            organizationId: caller.organizationId,
            token: caller.tokenName,
            durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
          },
          'api write',
        );
      }
      if (route.paged) {
        const page = data as Page;
        sendJson(res, route.successStatus ?? 200, { status: true, data: page.items, nextCursor: page.nextCursor }, req);
      } else {
        sendJson(res, route.successStatus ?? 200, { status: true, data }, req);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      log.info({ code: error.code, route: route.operationId, path: url.pathname, method: req.method }, error.message);
      sendApiError(res, error);
    }
  }
}
