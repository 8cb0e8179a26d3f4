import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { DeviceIdentity } from '../device/DeviceEndpoint.js';
import type { LocalCa } from '../tls/LocalCa.js';
import { thumbprintsOf } from '../tls/thumbprint.js';

/** How the server establishes who a device is. */
export interface IdentityOptions {
  /** Verifies certificates that arrive through a trusted proxy's header. */
  ca: LocalCa | undefined;
  /** Addresses of TLS-terminating proxies whose client-certificate header is believed. */
  trustedProxies: readonly string[];
  /** The header such a proxy puts the client certificate in (PEM, URL-encoded as nginx's `$ssl_client_escaped_cert`). */
  clientCertHeader: string;
  /** `--dev-auth`: trust the SyncHdr Source of loopback peers that present no certificate. */
  devAuth: boolean;
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same peer. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export function isLoopback(address: string | undefined): boolean {
  const a = normalizeAddress(address);
  return a === '::1' || a.startsWith('127.');
}

function fromProxyHeader(value: string, ca: LocalCa | undefined): DeviceIdentity {
  if (!ca) return { kind: 'none', reason: 'no CA configured to verify the proxied client certificate', refusal: 'certificate-not-trusted' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(decodeURIComponent(value));
  } catch {
    return { kind: 'none', reason: 'the proxied client certificate is not a certificate', refusal: 'certificate-not-trusted' };
  }
  if (!ca.verifies(cert)) return { kind: 'none', reason: 'the proxied client certificate is not valid for this CA', refusal: 'certificate-not-trusted' };
  return { kind: 'certificate', thumbprints: thumbprintsOf(cert) };
}

/**
 * Who is calling the device endpoint: the holder of a client certificate verified by the TLS
 * layer (or, behind a trusted TLS-terminating proxy, by us from the proxy's header), or — only
 * with `--dev-auth` and only for loopback peers — whoever the SyncHdr says.
 */
export function identifyDevice(req: IncomingMessage, options: IdentityOptions): DeviceIdentity {
  const remote = normalizeAddress(req.socket.remoteAddress);
  if (options.trustedProxies.includes(remote)) {
    const header = req.headers[options.clientCertHeader.toLowerCase()];
    const value = Array.isArray(header) ? header[0] : header;
    if (value) return fromProxyHeader(value, options.ca);
  }
  const socket = req.socket;
  if (socket instanceof TLSSocket) {
    const peer = socket.getPeerCertificate();
    if (peer && peer.raw) {
      if (!socket.authorized) {
        return { kind: 'none', reason: `client certificate refused: ${String(socket.authorizationError)}`, refusal: 'certificate-not-trusted' };
      }
      return { kind: 'certificate', thumbprints: thumbprintsOf(peer.raw) };
    }
  }
  if (options.devAuth && isLoopback(remote)) return { kind: 'dev-auth' };
  return { kind: 'none', reason: 'no client certificate', refusal: 'no-client-certificate' };
}
