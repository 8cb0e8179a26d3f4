import { generateKeyPairSync, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate } from './createCertificate.js';
import { thumbprintsOf, type Thumbprints } from './thumbprint.js';

/** A certificate with its private key, both PEM. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  thumbprints: Thumbprints;
}

/** Options of {@link LocalCa.open}. */
export interface LocalCaOptions {
  /** Names and addresses the server certificate is valid for (default: localhost, 127.0.0.1, ::1). */
  serverNames?: readonly string[];
  /** The clock (tests pin it). */
  now?: () => Date;
}

const DAY = 86_400_000;
/**
 * Issued certificates start a few minutes in the past, for clocks that run a little behind; a
 * backdate of days would make a just-issued certificate look older than it is.
 */
const BACKDATE_MS = 10 * 60_000;

/** A device's request for a certificate for its own key (enrollment: the key comes from its CSR). */
export interface ClientCertificateRequest {
  /** The subject's common name: the device's `winId` (Windows' DeviceID). */
  commonName: string;
  publicKey: KeyObject;
  /** How long the certificate is valid, from now. */
  validityDays: number;
}

/**
 * What enrollment needs of a certificate authority: its certificate (for the device's trusted
 * root store) and client certificates for keys that devices hold. {@link LocalCa} is the one
 * winmdm ships; another CA (an HSM, a corporate PKI) can stand in.
 */
export interface CertificateAuthority {
  readonly certificate: X509Certificate;
  readonly certPem: string;
  /** Signs a client-authentication certificate for the requester's key. */
  signClientCertificate(request: ClientCertificateRequest): { certPem: string; thumbprints: Thumbprints };
}

function newKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  // P-256: a fraction of RSA's handshake cost, and every TLS stack Windows ships accepts it.
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function writeSecret(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * The local certificate authority that `winmdm serve` creates on first start under
 * `./data/tls/`: it signs the server's TLS certificate and the devices' client certificates.
 * Enrollment ([MS-MDE2]) signs devices' certificate requests with it, through the small
 * {@link CertificateAuthority} interface.
 */
export class LocalCa implements CertificateAuthority {
  readonly certificate: X509Certificate;
  readonly certPem: string;
  readonly #key: KeyObject;
  readonly #now: () => Date;

  private constructor(certPem: string, key: KeyObject, now: () => Date) {
    this.certPem = certPem;
    this.certificate = new X509Certificate(certPem);
    this.#key = key;
    this.#now = now;
  }

  /** Loads the CA from `dir`, creating it (and the directory) on first use. */
  static open(dir: string, options: LocalCaOptions = {}): LocalCa {
    const now = options.now ?? (() => new Date());
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const certPath = join(dir, 'ca.crt');
    const keyPath = join(dir, 'ca.key');
    if (existsSync(certPath) && existsSync(keyPath)) {
      return new LocalCa(readFileSync(certPath, 'utf8'), createPrivateKey(readFileSync(keyPath)), now);
    }
    const { publicKey, privateKey } = newKeyPair();
    const start = now();
    const certPem = createCertificate({
      role: 'ca',
      commonName: 'winmdm local CA',
      publicKey,
      issuerKey: privateKey,
      notBefore: new Date(start.getTime() - DAY),
      notAfter: new Date(start.getTime() + 3650 * DAY),
    });
    writeSecret(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    writeFileSync(certPath, certPem);
    return new LocalCa(certPem, privateKey, now);
  }

  /** Issues a certificate (with a new key pair) signed by this CA. */
  issue(role: 'server' | 'client', commonName: string, altNames: readonly string[] = []): IssuedCertificate {
    const { publicKey, privateKey } = newKeyPair();
    const start = this.#now();
    const certPem = createCertificate({
      role,
      commonName,
      publicKey,
      issuerKey: this.#key,
      issuer: this.certificate,
      notBefore: new Date(start.getTime() - BACKDATE_MS),
      notAfter: new Date(start.getTime() + (role === 'server' ? 825 : 365) * DAY),
      altNames,
    });
    return {
      certPem,
      keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      thumbprints: thumbprintsOf(new X509Certificate(certPem)),
    };
  }

  signClientCertificate(request: ClientCertificateRequest): { certPem: string; thumbprints: Thumbprints } {
    const start = this.#now();
    const certPem = createCertificate({
      role: 'client',
      commonName: request.commonName,
      publicKey: request.publicKey,
      issuerKey: this.#key,
      issuer: this.certificate,
      notBefore: new Date(start.getTime() - BACKDATE_MS),
      notAfter: new Date(start.getTime() + request.validityDays * DAY),
    });
    return { certPem, thumbprints: thumbprintsOf(new X509Certificate(certPem)) };
  }

  /**
   * The server's TLS certificate under `dir` (created on first use; re-issued when the
   * configured names change or it is about to expire).
   */
  serverCertificate(dir: string, names: readonly string[]): { certPem: string; keyPem: string } {
    const certPath = join(dir, 'server.crt');
    const keyPath = join(dir, 'server.key');
    // The names are kept beside the certificate: comparing them with the certificate's own
    // subjectAltName text would need IPv6 canonicalisation for no benefit.
    const namesPath = join(dir, 'server.names');
    const wanted = [...names].sort().join('\n');
    if (existsSync(certPath) && existsSync(keyPath) && existsSync(namesPath)) {
      const certPem = readFileSync(certPath, 'utf8');
      const cert = new X509Certificate(certPem);
      const validUntil = new Date(cert.validTo).getTime();
      const sameNames = readFileSync(namesPath, 'utf8') === wanted;
      if (sameNames && validUntil - this.#now().getTime() > 30 * DAY && cert.verify(this.certificate.publicKey)) {
        return { certPem, keyPem: readFileSync(keyPath, 'utf8') };
      }
    }
    const issued = this.issue('server', names[0] ?? 'localhost', names);
    writeSecret(keyPath, issued.keyPem);
    writeFileSync(certPath, issued.certPem);
    writeFileSync(namesPath, wanted);
    return { certPem: issued.certPem, keyPem: issued.keyPem };
  }

  /**
   * Whether `cert` was issued by this CA and is valid now. Used for certificates that reach
   * the server through a trusted proxy's header, where no TLS stack has checked them.
   */
  verifies(cert: X509Certificate): boolean {
    const now = this.#now().getTime();
    return (
      cert.checkIssued(this.certificate) &&
      cert.verify(this.certificate.publicKey) &&
      new Date(cert.validFrom).getTime() <= now &&
      now <= new Date(cert.validTo).getTime()
    );
  }
}
