import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { Permissions } from '../api/authenticate.js';
import { identifyDevice, normalizeAddress, type IdentityOptions } from '../http/identifyDevice.js';
import { BodyTooLargeError, readBody } from '../http/readBody.js';
import { defineApiRoute, defineRawRoute, type RawRequest, type Route } from '../http/Route.js';
import type { Store } from '../store/Store.js';
import { EnrollmentError, EnrollmentRateLimitedError, EnrollmentRequestError, type SoapFaultShape } from '../ServerError.js';
import { createEnrollmentToken, EnrollmentTokenRequestSchema, EnrollmentTokenSchema } from './enrollmentTokens.js';
import { EnrollmentPaths, type EnrollmentService, type EnrollmentUrls } from './EnrollmentService.js';
import { RateLimiter } from './RateLimiter.js';
import { readSoapRequest } from './soap/readSoapRequest.js';
import { soapFault } from './soap/writeSoap.js';

/** Options of {@link enrollmentRoutes}. */
export interface EnrollmentRoutesOptions {
  service: EnrollmentService;
  store: Store;
  /** How a renewing device's client certificate is read (the device endpoint's own rules). */
  identity: IdentityOptions;
  mdmPath: string;
  /** The device endpoint's URL as devices reach it (`--public-url`); the services live on its host. */
  publicUrl?: string;
  /** Largest accepted SOAP body (default 256 KiB: a real request is about 5 KB). */
  maxRequestBytes?: number;
  now?: () => Date;
}

const SOAP_TYPE = 'application/soap+xml; charset=utf-8';
const ACCEPTED_TYPES = new Set(['application/soap+xml', 'text/xml']);
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Every SOAP answer has a Content-Length: Windows' enrollment client does not read chunked answers. */
function sendSoap(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': SOAP_TYPE, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The address an attempt comes from: the peer, or behind a trusted proxy the last hop it names. */
function sourceAddress(req: IncomingMessage, identity: IdentityOptions): string {
  const peer = normalizeAddress(req.socket.remoteAddress);
  if (!identity.trustedProxies.includes(peer)) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').pop()?.trim();
  return last ? normalizeAddress(last) : peer;
}

/** The URLs a device is sent to: on the host of `--public-url`, or else the host it used to reach us. */
function urlsFor(req: IncomingMessage, options: EnrollmentRoutesOptions): EnrollmentUrls {
  let origin: string;
  if (options.publicUrl) {
    origin = new URL(options.publicUrl).origin;
  } else {
    const proxied = options.identity.trustedProxies.includes(normalizeAddress(req.socket.remoteAddress));
    const forwardedProto = proxied ? String(req.headers['x-forwarded-proto'] ?? 'https') : undefined;
    const scheme = req.socket instanceof TLSSocket ? 'https' : forwardedProto === 'http' || forwardedProto === 'https' ? forwardedProto : 'http';
    const host = req.headers.host && HOST.test(req.headers.host) ? req.headers.host : 'localhost';
    origin = `${scheme}://${host}`;
  }
  return {
    policy: `${origin}${EnrollmentPaths.policy}`,
    enrollment: `${origin}${EnrollmentPaths.enrollment}`,
    mdm: options.publicUrl ?? `${origin}${options.mdmPath}`,
  };
}

const INTERNAL: SoapFaultShape = { code: 'Receiver', subcode: 's:InternalServiceFault', httpStatus: 500 };

/** The longest refusal reason a fault and its log line carry. */
const MAX_REASON = 300;

/**
 * A refusal's reason, cut to {@link MAX_REASON}: reasons quote the request (its Action, its
 * DeviceID, the XML validator's list of unclosed elements), and a 256 KiB request must not become
 * a fault and a log line several times its size (discovery is not even rate-limited).
 */
function boundedReason(text: string): string {
  return text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON)}…`;
}

/**
 * The enrollment services as routes beside the device endpoint, on the same port: discovery
 * (`GET` answers 200 with an empty body, as Windows probes it first), the policy and enrollment
 * services, and `POST /mdm/windows/enrollment-tokens` of the management API. Every failure is a
 * SOAP 1.2 fault with a Content-Length; Policy and Enrollment requests are rate-limited per source
 * address.
 */
export function enrollmentRoutes(options: EnrollmentRoutesOptions): Route[] {
  const { service } = options;
  const limit = options.maxRequestBytes ?? 256 * 1024;
  const limiter = new RateLimiter(service.settings.rateLimitBurst, service.settings.rateLimitPerMinute);
  const now = options.now ?? (() => new Date());

  const soap =
    (kind: 'discovery' | 'policy' | 'enrollment') =>
    async ({ req, res, log: requestLog }: RawRequest): Promise<void> => {
      // The request's logger (its reqId on every line), named like the device endpoint's lines.
      const log = requestLog.child({ component: 'enrollment' });
      let relatesTo: string | undefined;
      try {
        if (kind !== 'discovery') {
          const wait = limiter.take(sourceAddress(req, options.identity), Date.now());
          if (wait > 0) throw new EnrollmentRateLimitedError(wait);
        }
        const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (type !== '' && !ACCEPTED_TYPES.has(type)) throw new EnrollmentRequestError(`unsupported content type ${type}; expected application/soap+xml`, { httpStatus: 415 });
        let body: Buffer;
        try {
          body = await readBody(req, limit);
        } catch (error) {
          if (!(error instanceof BodyTooLargeError)) throw error;
          res.setHeader('connection', 'close');
          throw new EnrollmentRequestError(`the request is larger than ${limit} bytes`, { httpStatus: 413, cause: error });
        }
        const request = readSoapRequest(body);
        relatesTo = request.messageId;
        const urls = urlsFor(req, options);
        const answer =
          kind === 'discovery'
            ? service.discover(request, urls)
            : kind === 'policy'
              ? await service.getPolicies(request)
              : await service.requestSecurityToken(request, identifyDevice(req, options.identity), urls, log);
        sendSoap(res, 200, answer);
      } catch (error) {
        refuse(res, log, kind, error, relatesTo);
      }
    };

  const refuse = (res: ServerResponse, log: Logger, kind: string, error: unknown, relatesTo: string | undefined): void => {
    if (!(error instanceof EnrollmentError)) {
      log.error({ err: error, service: kind }, 'enrollment request failed');
      if (kind === 'enrollment') service.count('error');
      return sendSoap(res, INTERNAL.httpStatus, soapFault(INTERNAL, 'internal error', relatesTo));
    }
    const reason = boundedReason(error.message);
    log.warn({ code: error.code, service: kind, reason }, 'refused an enrollment request');
    if (kind === 'enrollment' || error instanceof EnrollmentRateLimitedError) service.count(error.code.replace(/^ERR_/, '').toLowerCase());
    const headers: Record<string, string> = error instanceof EnrollmentRateLimitedError ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    // Refused before its body was read: the connection cannot carry another request.
    if (error.fault.httpStatus === 429 || error.fault.httpStatus === 415) headers['connection'] = 'close';
    sendSoap(res, error.fault.httpStatus, soapFault(error.fault, reason, relatesTo), headers);
  };

  const soapResponses = {
    200: { description: 'The SOAP answer', content: { 'application/soap+xml': {} } },
    400: { description: 'A SOAP fault: s:Sender with s:MessageFormat, a:InvalidSecurity or s:CertificateRequest', content: { 'application/soap+xml': {} } },
    413: { description: 'A SOAP fault: the body is over the size limit', content: { 'application/soap+xml': {} } },
    429: { description: 'A SOAP fault: too many attempts from this address (Retry-After)', content: { 'application/soap+xml': {} } },
    500: { description: 'A SOAP fault: s:Receiver', content: { 'application/soap+xml': {} } },
  };
  const soapBody = (what: string) => ({ description: what, contentType: 'application/soap+xml' });

  return [
    defineRawRoute({
      method: 'GET',
      path: EnrollmentPaths.discovery,
      operationId: 'enrollmentDiscoveryProbe',
      summary: 'Discovery probe ([MS-MDE2]): Windows checks the service exists before it POSTs',
      tags: ['enrollment'],
      responses: { 200: { description: 'An empty body' } },
      handle: async ({ res }) => {
        res.writeHead(200, { 'content-length': 0 });
        res.end();
      },
    }),
    defineRawRoute({
      method: 'POST',
      path: EnrollmentPaths.discovery,
      operationId: 'enrollmentDiscover',
      summary: 'Discover ([MS-MDE2] 3.1): the authentication policy and the policy and enrollment service URLs',
      tags: ['enrollment'],
      requestBody: soapBody('A SOAP Discover request (RequestVersion 4.0 or later)'),
      responses: soapResponses,
      handle: soap('discovery'),
    }),
    defineRawRoute({
      method: 'POST',
      path: EnrollmentPaths.policy,
      operationId: 'enrollmentGetPolicies',
      summary: 'XCEP GetPolicies ([MS-XCEP]): the certificate policy (RSA >= 2048, SHA-256, validity, renewal)',
      tags: ['enrollment'],
      requestBody: soapBody('A SOAP GetPolicies request with WS-Security credentials'),
      responses: soapResponses,
      handle: soap('policy'),
    }),
    defineRawRoute({
      method: 'POST',
      path: EnrollmentPaths.enrollment,
      operationId: 'enrollmentRequestSecurityToken',
      summary: 'WSTEP RequestSecurityToken ([MS-WSTEP]): Issue enrolls the device; Renew (mutual TLS) renews its certificate',
      tags: ['enrollment'],
      requestBody: soapBody('A SOAP RequestSecurityToken with a PKCS#10 (Issue) or PKCS#7 (Renew) request'),
      responses: soapResponses,
      handle: soap('enrollment'),
    }),
    defineApiRoute({
      method: 'POST',
      path: '/mdm/windows/enrollment-tokens',
      operationId: 'createEnrollmentToken',
      summary: "An enrollment token for the caller's organization (shown once; only its hash is stored)",
      description:
        'A Windows device enrolls with it: as the password of "Access work or school" (OnPremise, the username is the ' +
        "user's email), or as the DeviceEnrollmentUserToken of programmatic enrollment.",
      tags: ['enrollment'],
      permission: Permissions.enrollmentCreate,
      body: EnrollmentTokenRequestSchema,
      response: EnrollmentTokenSchema,
      successStatus: 201,
      errors: [],
      handle: ({ caller, body }) => options.store.transaction((tx) => createEnrollmentToken(tx, caller.organizationId, body, now())),
    }),
  ];
}
