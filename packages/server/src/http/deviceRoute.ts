import type { ServerResponse } from 'node:http';
import { DEVICE_MEDIA_TYPES, type DeviceEndpoint, type DeviceMediaType, type DeviceRefusal } from '../device/DeviceEndpoint.js';
import type { Metrics } from '../metrics/Metrics.js';
import { BodyTooLargeError, readBody } from './readBody.js';
import { identifyDevice, type IdentityOptions } from './identifyDevice.js';
import { defineRawRoute, type RawRoute } from './Route.js';

const SYNCML_TYPE: DeviceMediaType = 'application/vnd.syncml.dm+xml';
const DS_TYPE: DeviceMediaType = 'application/vnd.syncml+xml';

/**
 * The challenge of the device endpoint's 401. Devices authenticate with a TLS client certificate
 * (mutual TLS), never with credentials in a header or in the SyncHdr; no registered HTTP
 * authentication scheme names that, so the scheme token is `MutualTLS` (not RFC 8120's `Mutual`,
 * which is password-based): a client that sees it knows no `Authorization` header will help, and
 * must present a certificate the server registered.
 */
export const DEVICE_CHALLENGE = 'MutualTLS realm="winmdm-devices"';

export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function isDeviceMediaType(type: string): type is DeviceMediaType {
  return (DEVICE_MEDIA_TYPES as readonly string[]).includes(type);
}

/** A 415 of the device endpoint: plain text, never SyncML (the client could not read it), with the reason as `Winmdm-Refusal`. */
function refuseMediaType(res: ServerResponse, refusal: DeviceRefusal, text: string): void {
  res.setHeader('winmdm-refusal', refusal);
  sendText(res, 415, 'text/plain', `${text}\n`);
}

/**
 * The OMA-DM device endpoint as a route: `POST <mdmPath>` with a SyncML body (query strings such
 * as `?mode=Maintenance&Platform=WoA` are accepted). Identity comes from the TLS client
 * certificate (or a trusted proxy's header), never from a bearer token.
 */
export function deviceRoute(endpoint: DeviceEndpoint, mdmPath: `/${string}`, identity: IdentityOptions, metrics?: Metrics): RawRoute {
  return defineRawRoute({
    method: 'POST',
    path: mdmPath,
    operationId: 'deviceMessage',
    summary: 'OMA-DM device endpoint (SyncML DM 1.2, MS-MDM)',
    description:
      'One SyncML message of a Windows device; the answer is the next SyncML message of the session. The device is ' +
      'identified by its TLS client certificate (or a trusted proxy\'s certificate header); its SyncHdr Source must be its own winId.',
    tags: ['device protocol'],
    requestBody: {
      description: `A SyncML DM 1.2 message (XML), as ${SYNCML_TYPE}, or as ${DS_TYPE} (the SyncML DS type some OMA-DM clients use) when its VerProto is DM/1.2`,
      contentType: DEVICE_MEDIA_TYPES,
    },
    responses: {
      200: { description: 'The next SyncML message, in the media type of the request', content: { [SYNCML_TYPE]: {}, [DS_TYPE]: {} } },
      400: { description: 'Not valid SyncML (not XML, a DTD, too deep, wrong namespace, MsgID reused)', content: { 'text/plain': {} } },
      401: {
        description:
          'No registered certificate, or a device nobody knows (a SyncML answer with status 401); the Winmdm-Refusal header says ' +
          'which: no-client-certificate, certificate-not-trusted or unknown-device',
        headers: {
          'WWW-Authenticate': `\`${DEVICE_CHALLENGE}\`: authenticate with a TLS client certificate the server registered (no Authorization header)`,
          'Winmdm-Refusal': 'no-client-certificate, certificate-not-trusted or unknown-device',
        },
        content: { [SYNCML_TYPE]: {} },
      },
      403: {
        description: "The SyncHdr Source is not the certificate's device (Winmdm-Refusal: source-mismatch)",
        headers: { 'Winmdm-Refusal': 'source-mismatch' },
        content: { [SYNCML_TYPE]: {} },
      },
      413: { description: 'The body exceeds the size limit', content: { 'text/plain': {} } },
      415: {
        description:
          `WBXML (any *wbxml type: only XML is served), another media type than ${SYNCML_TYPE} or ${DS_TYPE}, or a ${DS_TYPE} body ` +
          'that is not SyncML DM 1.2 (SyncML DS); a short plain-text reason, never SyncML',
        headers: { 'Winmdm-Refusal': 'wbxml-not-supported, unsupported-media-type or not-oma-dm' },
        content: { 'text/plain': {} },
      },
    },
    handle: async ({ req, res, log }) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (type.includes('wbxml')) {
        // OMA-DM's binary XML (Windows never sends it): refused before the body is read.
        metrics?.deviceMessages.inc({ outcome: 'bad_input', reason: 'wbxml' });
        log.warn({ contentType: req.headers['content-type'] }, 'device endpoint: WBXML is not supported');
        return refuseMediaType(res, 'wbxml-not-supported', `WBXML is not supported: send SyncML DM 1.2 as XML (${SYNCML_TYPE})`);
      }
      if (!isDeviceMediaType(type)) {
        metrics?.deviceMessages.inc({ outcome: 'bad_input', reason: 'unsupported_content_type' });
        log.warn({ contentType: req.headers['content-type'] }, 'device endpoint: unsupported content type');
        return refuseMediaType(res, 'unsupported-media-type', `unsupported content type; expected ${SYNCML_TYPE}`);
      }
      let body: Buffer;
      try {
        body = await readBody(req, endpoint.maxRequestBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          metrics?.deviceMessages.inc({ outcome: 'bad_input', reason: error.code });
          log.warn({ limit: endpoint.maxRequestBytes }, 'device endpoint: body too large');
          res.setHeader('connection', 'close');
          return sendText(res, 413, 'text/plain', `${error.code}: ${error.message}\n`);
        }
        throw error;
      }
      const answer = await endpoint.handle(body, identifyDevice(req, identity), log.child({ component: 'device-endpoint' }), type);
      if (answer.refusal !== undefined) res.setHeader('winmdm-refusal', answer.refusal);
      if (answer.status === 401) res.setHeader('www-authenticate', DEVICE_CHALLENGE);
      sendText(res, answer.status, answer.contentType, answer.body);
    },
  });
}
