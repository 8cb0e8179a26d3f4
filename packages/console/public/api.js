/**
 * The management API, as the console calls it: same origin, `Authorization: Bearer <token>`, the
 * `{status, data}` envelope. The token lives in this tab's session storage only (gone when the
 * tab closes) and is never put in a URL.
 */

const KEY = 'winmdm.console.token';

/** An answer of the management API that is not `{status:true}`. */
export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status
   * @param {number | undefined} code the envelope's code (4002, 4003, 3001, 5050, 4000)
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** @returns {string | null} */
export function currentToken() {
  return sessionStorage.getItem(KEY);
}

/** @param {string} token */
export function keepToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

/**
 * Calls the management API with the session's token (or `token`). An unknown token forgets the
 * session's and tells the page (`winmdm:signed-out`), so the admin signs in again.
 *
 * @param {'GET' | 'POST' | 'PUT' | 'PATCH'} method
 * @param {string} path e.g. `/mdm/windows/devices`
 * @param {{ body?: unknown, token?: string }} [options]
 * @returns {Promise<any>} the envelope's `data`
 */
export async function api(method, path, options = {}) {
  return (await call(method, path, options)).data;
}

/**
 * A page of a paged list (`GET /mdm/windows/devices`): its items and the cursor of the next page
 * (null on the last).
 *
 * @param {string} path with its query (`limit`, `cursor`, …)
 * @returns {Promise<{ items: any[], nextCursor: string | null }>}
 */
export async function apiPage(path) {
  const envelope = await call('GET', path, {});
  return { items: Array.isArray(envelope.data) ? envelope.data : [], nextCursor: typeof envelope.nextCursor === 'string' ? envelope.nextCursor : null };
}

/**
 * @param {'GET' | 'POST' | 'PUT' | 'PATCH'} method
 * @param {string} path
 * @param {{ body?: unknown, token?: string }} options
 * @returns {Promise<any>} the whole `{status:true, …}` envelope
 */
async function call(method, path, options) {
  const token = options.token ?? currentToken();
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (error) {
    throw new ApiError(0, undefined, `The server cannot be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  /** @type {any} */
  let json;
  try {
    json = await response.json();
  } catch {
    throw new ApiError(response.status, undefined, `The server answered ${response.status} without JSON`);
  }
  if (response.ok && json && json.status === true) return json;
  const code = typeof json?.error?.code === 'number' ? json.error.code : undefined;
  const message = typeof json?.error?.message === 'string' ? json.error.message : `HTTP ${response.status}`;
  if (response.status === 401 && options.token === undefined) {
    forgetToken();
    window.dispatchEvent(new CustomEvent('winmdm:signed-out', { detail: message }));
  }
  throw new ApiError(response.status, code, message);
}

/**
 * `/mdm/windows/…` with each segment encoded.
 *
 * @param {...string} segments
 */
export function apiPath(...segments) {
  return `/mdm/windows/${segments.map(encodeURIComponent).join('/')}`;
}
