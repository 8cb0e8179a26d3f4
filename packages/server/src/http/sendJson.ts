import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiError } from '../ServerError.js';

/**
 * Answers JSON. A 200 to a GET carries an `ETag`, and a matching `If-None-Match` gets a bodiless
 * 304: a sync agent revalidating an unchanged document transfers nothing.
 */
export function sendJson(res: ServerResponse, status: number, value: unknown, req?: IncomingMessage, extraHeaders: Readonly<Record<string, string>> = {}): void {
  const body = JSON.stringify(value);
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', ...extraHeaders };
  if (req?.method === 'GET' && status === 200) {
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    headers['etag'] = etag;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(status, headers);
  res.end(body);
}

/** Answers an {@link ApiError} in the upstream envelope `{status:false,error:{code,message,...}}`, with the error's headers. */
export function sendApiError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, { status: false, error: { code: error.envelopeCode, message: error.message, ...error.details() } }, undefined, error.headers());
}
