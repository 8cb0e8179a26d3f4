import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import type { DeviceIdentity } from '../device/DeviceEndpoint.js';
import type { Metrics } from '../metrics/Metrics.js';
import type { Store, StoreTx } from '../store/Store.js';
import type { CertificateAuthority } from '../tls/LocalCa.js';
import { parseCertificateRequest, unwrapRenewalRequest } from '../tls/parseCertificateRequest.js';
import { CsrInvalidError, EnrollmentAuthError, EnrollmentRequestError } from '../ServerError.js';
import { TokenAuthenticator, type EnrollmentAuthenticator, type EnrollmentCredentials, type EnrollmentPrincipal } from './EnrollmentAuthenticator.js';
import { DEFAULT_ENROLLMENT_SETTINGS, type EnrollmentSettings, type EnrollmentSettingsInput } from './EnrollmentSettings.js';
import { provisioningDocument } from './provisioningDocument.js';
import { recordEnrollment, recordRenewal, type EnrollmentContext } from './recordEnrollment.js';
import { Actions, Ns, Uris } from './soap/namespaces.js';
import { attr, child, childText, children, type SoapRequest, type XmlElement } from './soap/readSoapRequest.js';
import { soapEnvelope, type XMLBuilder } from './soap/writeSoap.js';

/** Options of {@link EnrollmentService}. */
export interface EnrollmentServiceOptions {
  store: Store;
  /** Signs the devices' certificates, and is the root they are told to trust. */
  ca: CertificateAuthority;
  logger: Logger;
  settings?: EnrollmentSettingsInput;
  /** Default: winmdm's enrollment tokens (OnPremise). Add a Federated one to offer Federated. */
  authenticators?: readonly EnrollmentAuthenticator[];
  metrics?: Metrics;
  now?: () => Date;
}

/** Where the answers send the device: the three services and the device endpoint. */
export interface EnrollmentUrls {
  policy: string;
  enrollment: string;
  mdm: string;
}

/** The paths of the three services (Windows' own names; discovery's is fixed by Windows). */
export const EnrollmentPaths = {
  discovery: '/EnrollmentServer/Discovery.svc',
  policy: '/EnrollmentServer/Policy.svc',
  enrollment: '/EnrollmentServer/Enrollment.svc',
} as const;

/** How long a MessageID is remembered against replays. */
const REPLAY_WINDOW_MS = 24 * 3_600_000;
/** Windows' DeviceID is 32 hex digits; anything that could break the certificate subject or the search criteria is refused. */
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function fail(message: string): never {
  throw new EnrollmentRequestError(message);
}

/** "4.0", "5.0", "6.1": a version at or above 4.0 (newer Windows builds send newer ones). */
function supportedVersion(value: string | undefined): boolean {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value ?? '');
  return match !== null && Number(match[1]) >= 4;
}

/** The WS-Security credentials of the header, or an auth fault when there are none. */
function credentialsOf(header: XmlElement): EnrollmentCredentials {
  const security = child(header, Ns.wsse, 'Security');
  if (!security) throw new EnrollmentAuthError('the request has no WS-Security header');
  const username = child(security, Ns.wsse, 'UsernameToken');
  if (username) {
    const name = childText(username, Ns.wsse, 'Username');
    const password = childText(username, Ns.wsse, 'Password');
    if (!name || !password) throw new EnrollmentAuthError('the UsernameToken needs a Username and a Password');
    return { kind: 'username', username: name, password };
  }
  const binary = child(security, Ns.wsse, 'BinarySecurityToken');
  if (binary && binary.text.trim() !== '') {
    return { kind: 'binary', valueType: attr(binary, 'ValueType') ?? '', token: binary.text.trim() };
  }
  throw new EnrollmentAuthError('the WS-Security header carries no credentials');
}

/** AdditionalContext as the multimap it is (MAC repeats): name → values in order. */
function additionalContext(rst: XmlElement): Record<string, string[]> {
  const context: Record<string, string[]> = {};
  for (const item of children(child(rst, Ns.ac, 'AdditionalContext'), Ns.ac, 'ContextItem')) {
    const name = attr(item, 'Name');
    if (!name) continue;
    (context[name] ??= []).push(...children(item, Ns.ac, 'Value').map((v) => v.text.trim()));
  }
  return context;
}

/**
 * The three enrollment services of [MS-MDE2] on winmdm's store and CA: discovery (which
 * authentication, which URLs), XCEP GetPolicies (what key and hash the certificate request must
 * use), and WSTEP RequestSecurityToken, which signs the device's certificate request, records the
 * device, registers the certificate's thumbprints and answers the provisioning document — or,
 * for a ROBO renewal over mutual TLS, a new certificate. Everything an enrollment writes is one
 * store transaction: a refused one leaves nothing behind.
 */
export class EnrollmentService {
  readonly settings: EnrollmentSettings;
  readonly #o: EnrollmentServiceOptions;
  readonly #authenticators: readonly EnrollmentAuthenticator[];
  readonly #now: () => Date;

  constructor(options: EnrollmentServiceOptions) {
    this.#o = options;
    this.settings = { ...DEFAULT_ENROLLMENT_SETTINGS, ...options.settings, poll: { ...DEFAULT_ENROLLMENT_SETTINGS.poll, ...options.settings?.poll } };
    this.#authenticators = options.authenticators ?? [new TokenAuthenticator()];
    this.#now = options.now ?? (() => new Date());
  }

  /** Counts an enrollment outcome (`enrolled`, `re_enrolled`, `renewed`, or why it was refused). */
  count(outcome: string): void {
    this.#o.metrics?.enrollments.inc({ outcome });
  }

  /** `Discover` → `DiscoverResponse`: the authentication policy and the two service URLs. */
  discover(request: SoapRequest, urls: EnrollmentUrls): string {
    if (request.action !== Actions.discover) fail(`unexpected action ${request.action} for the discovery service`);
    if (request.body.ns !== Ns.discovery || request.body.name !== 'Discover') fail('the body is not a Discover request');
    const body = child(request.body, Ns.discovery, 'request');
    const version = childText(body, Ns.discovery, 'RequestVersion');
    if (!supportedVersion(version)) fail(`RequestVersion ${JSON.stringify(version ?? '')} is not supported; 4.0 or later is`);
    const offered = children(child(body, Ns.discovery, 'AuthPolicies'), Ns.discovery, 'AuthPolicy').map((p) => p.text.trim());
    const federated = this.#authenticators.find((a) => a.policy === 'Federated' && a.authenticationServiceUrl);
    const useFederated = federated !== undefined && (offered.length === 0 || offered.includes('Federated'));
    return soapEnvelope(Actions.discoverResponse, request.messageId, (b) => {
      const result = b.ele(Ns.discovery, 'DiscoverResponse').ele(Ns.discovery, 'DiscoverResult');
      result.ele(Ns.discovery, 'AuthPolicy').txt(useFederated ? 'Federated' : 'OnPremise');
      // The protocol winmdm speaks; a newer client accepts an older server's version.
      result.ele(Ns.discovery, 'EnrollmentVersion').txt('4.0');
      result.ele(Ns.discovery, 'EnrollmentPolicyServiceUrl').txt(urls.policy);
      result.ele(Ns.discovery, 'EnrollmentServiceUrl').txt(urls.enrollment);
      if (useFederated) result.ele(Ns.discovery, 'AuthenticationServiceUrl').txt(federated.authenticationServiceUrl as string);
    });
  }

  /** XCEP `GetPolicies` → the certificate policy: RSA of at least 2048 bits, SHA-256, validity and renewal from the settings. */
  async getPolicies(request: SoapRequest): Promise<string> {
    if (request.action !== Actions.getPolicies) fail(`unexpected action ${request.action} for the policy service`);
    if (request.body.ns !== Ns.xcep || request.body.name !== 'GetPolicies') fail('the body is not a GetPolicies request');
    const messageId = this.#requireMessageId(request);
    const credentials = credentialsOf(request.header);
    const now = this.#now();
    await this.#o.store.transaction(async (tx) => {
      await this.#remember(tx, messageId, now);
      await this.#authenticate(tx, credentials, false, now);
    });
    const s = this.settings;
    return soapEnvelope(Actions.getPoliciesResponse, request.messageId, (b) => {
      const nil = (parent: XMLBuilder, name: string): void => void parent.ele(Ns.xcep, name).att(Ns.xsi, 'xsi:nil', 'true');
      const top = b.ele(Ns.xcep, 'GetPoliciesResponse').att(Ns.xmlns, 'xmlns:xsi', Ns.xsi);
      const response = top.ele(Ns.xcep, 'response');
      response.ele(Ns.xcep, 'policyID').txt(s.providerId);
      nil(response, 'policyFriendlyName');
      nil(response, 'nextUpdateHours');
      nil(response, 'policiesNotChanged');
      const policy = response.ele(Ns.xcep, 'policies').ele(Ns.xcep, 'policy');
      policy.ele(Ns.xcep, 'policyOIDReference').txt('0');
      nil(policy, 'cAs');
      const attributes = policy.ele(Ns.xcep, 'attributes');
      attributes.ele(Ns.xcep, 'commonName').txt(s.providerId);
      attributes.ele(Ns.xcep, 'policySchema').txt('3');
      const validity = attributes.ele(Ns.xcep, 'certificateValidity');
      validity.ele(Ns.xcep, 'validityPeriodSeconds').txt(String(s.certificateValidityDays * 86_400));
      validity.ele(Ns.xcep, 'renewalPeriodSeconds').txt(String(s.renewPeriodDays * 86_400));
      const permission = attributes.ele(Ns.xcep, 'permission');
      permission.ele(Ns.xcep, 'enroll').txt('true');
      permission.ele(Ns.xcep, 'autoEnroll').txt('false');
      const key = attributes.ele(Ns.xcep, 'privateKeyAttributes');
      key.ele(Ns.xcep, 'minimalKeyLength').txt('2048');
      for (const name of ['keySpec', 'keyUsageProperty', 'permissions']) nil(key, name);
      key.ele(Ns.xcep, 'algorithmOIDReference').txt('2');
      nil(key, 'cryptoProviders');
      const revision = attributes.ele(Ns.xcep, 'revision');
      revision.ele(Ns.xcep, 'majorRevision').txt('101');
      revision.ele(Ns.xcep, 'minorRevision').txt('0');
      for (const name of ['supersededPolicies', 'privateKeyFlags', 'subjectNameFlags', 'enrollmentFlags', 'generalFlags']) nil(attributes, name);
      attributes.ele(Ns.xcep, 'hashAlgorithmOIDReference').txt('1');
      for (const name of ['rARequirements', 'keyArchivalAttributes', 'extensions']) nil(attributes, name);
      nil(top, 'cAs');
      const oids = top.ele(Ns.xcep, 'oIDs');
      // Groups as CryptoAPI numbers them: 9 certificate template, 1 hash, 3 public key.
      for (const [id, value, group, name] of [
        ['0', '1.3.6.1.4.1.311.20.2', '9', 'Certificate Template Name'],
        ['1', '2.16.840.1.101.3.4.2.1', '1', 'sha256'],
        ['2', '1.2.840.113549.1.1.1', '3', 'RSA'],
      ] as const) {
        const oid = oids.ele(Ns.xcep, 'oID');
        oid.ele(Ns.xcep, 'value').txt(value);
        oid.ele(Ns.xcep, 'group').txt(group);
        oid.ele(Ns.xcep, 'oIDReferenceID').txt(id);
        oid.ele(Ns.xcep, 'defaultName').txt(name);
      }
    });
  }

  /**
   * WSTEP `RequestSecurityToken`: Issue (a new enrollment, authenticated by the WS-Security
   * header) or Renew (ROBO, authenticated by the device's current certificate over mutual TLS).
   * `log` is the request's logger, so that the line saying what was enrolled carries its request
   * id (default: the service's own logger).
   */
  async requestSecurityToken(request: SoapRequest, identity: DeviceIdentity, urls: EnrollmentUrls, log: Logger = this.#o.logger): Promise<string> {
    if (request.action !== Actions.requestSecurityToken) fail(`unexpected action ${request.action} for the enrollment service`);
    const rst = request.body;
    if (rst.ns !== Ns.wst || rst.name !== 'RequestSecurityToken') fail('the body is not a RequestSecurityToken');
    const tokenType = childText(rst, Ns.wst, 'TokenType');
    if (tokenType !== Uris.deviceEnrollmentToken) fail(`unsupported TokenType ${JSON.stringify(tokenType ?? '')}`);
    const requestType = childText(rst, Ns.wst, 'RequestType');
    if (requestType !== Uris.issue && requestType !== Uris.renew) fail(`unsupported RequestType ${JSON.stringify(requestType ?? '')}`);
    const messageId = this.#requireMessageId(request);
    const token = child(rst, Ns.wsse, 'BinarySecurityToken');
    if (!token || token.text.trim() === '') fail('the request carries no BinarySecurityToken');
    const valueType = attr(token, 'ValueType');
    const der = Buffer.from(token.text.replace(/\s+/g, ''), 'base64');
    const now = this.#now();

    if (requestType === Uris.renew) {
      if (identity.kind !== 'certificate') {
        const presented = identity.kind === 'none' && identity.refusal === 'certificate-not-trusted';
        // An expired certificate is the likely one: say so, since the device cannot renew with it and must enroll again.
        throw new EnrollmentAuthError(
          `a renewal is authenticated by the device's current certificate over mutual TLS, and ${presented ? `the one presented is not valid (${identity.reason})` : 'none was presented'}`,
        );
      }
      if (valueType !== Uris.pkcs7 && valueType !== Uris.pkcs10) fail(`unsupported BinarySecurityToken ValueType ${JSON.stringify(valueType ?? '')}`);
      const csr = parseCertificateRequest(unwrapRenewalRequest(der));
      const renewed = await this.#o.store.transaction(async (tx) => {
        await this.#remember(tx, messageId, now);
        return recordRenewal(tx, { identity: identity.thumbprints, publicKey: csr.publicKey, ca: this.#o.ca, settings: this.settings, now });
      });
      log.info({ deviceId: renewed.deviceId, sha256: renewed.thumbprints.sha256 }, 'renewed a device certificate');
      this.count('renewed');
      return this.#answer(request, renewed.certPem, renewed.enrollmentType, renewed.winId, urls, true);
    }

    if (valueType !== Uris.pkcs10) fail(`unsupported BinarySecurityToken ValueType ${JSON.stringify(valueType ?? '')}`);
    const credentials = credentialsOf(request.header);
    const csr = parseCertificateRequest(der);
    const context = additionalContext(rst);
    const deviceId = context['DeviceID']?.[0];
    if (!deviceId || !DEVICE_ID.test(deviceId)) throw new CsrInvalidError(`the AdditionalContext needs a DeviceID (letters, digits, ".", "_", "-"), got ${JSON.stringify(deviceId ?? '')}`);
    const enrollmentType = context['EnrollmentType']?.[0] === 'Device' ? 'Device' : 'Full';
    const recorded = await this.#o.store.transaction(async (tx) => {
      await this.#remember(tx, messageId, now);
      const principal = await this.#authenticate(tx, credentials, true, now);
      // The CA signs for authenticated enrollments only (as renewal signs only for a known device).
      const issued = this.#o.ca.signClientCertificate({ commonName: deviceId, publicKey: csr.publicKey, validityDays: this.settings.certificateValidityDays });
      const input: EnrollmentContext = { deviceId, hwDevId: context['HWDevID']?.[0] ?? deviceId, enrollmentType, context, thumbprints: issued.thumbprints, now };
      return { ...(await recordEnrollment(tx, principal, input)), certPem: issued.certPem };
    });
    log.info({ deviceId: recorded.deviceId, winId: deviceId, organizationId: recorded.organizationId, reenrolled: recorded.reenrolled }, 'enrolled a device');
    this.count(recorded.reenrolled ? 're_enrolled' : 'enrolled');
    return this.#answer(request, recorded.certPem, enrollmentType, deviceId, urls, false);
  }

  #answer(request: SoapRequest, certPem: string, enrollmentType: 'Full' | 'Device', deviceId: string, urls: EnrollmentUrls, renewal: boolean): string {
    const now = this.#now();
    const doc = provisioningDocument({
      settings: this.settings,
      caCertificate: this.#o.ca.certificate,
      clientCertificate: new X509Certificate(certPem),
      enrollmentType,
      deviceId,
      mdmUrl: urls.mdm,
      enrollmentUrl: urls.enrollment,
      renewal,
    });
    return soapEnvelope(
      Actions.requestSecurityTokenResponse,
      request.messageId,
      (b) => {
        const response = b.ele(Ns.wst, 'RequestSecurityTokenResponseCollection').ele(Ns.wst, 'RequestSecurityTokenResponse');
        response.ele(Ns.wst, 'TokenType').txt(Uris.deviceEnrollmentToken);
        response.ele(Ns.wstep, 'DispositionMessage');
        response
          .ele(Ns.wst, 'RequestedSecurityToken')
          .ele(Ns.wsse, 'BinarySecurityToken')
          .att('ValueType', Uris.provisionDoc)
          .att('EncodingType', Uris.base64Binary)
          .txt(Buffer.from(doc, 'utf8').toString('base64'));
        response.ele(Ns.wstep, 'RequestID').txt('0');
      },
      { timestamp: { created: now, expires: new Date(now.getTime() + 5 * 60_000) } },
    );
  }

  #requireMessageId(request: SoapRequest): string {
    const id = request.messageId;
    if (!id || id.length > 200) fail('the request needs an a:MessageID (at most 200 characters)');
    return id;
  }

  async #remember(tx: StoreTx, messageId: string, now: Date): Promise<void> {
    const fresh = await tx.rememberMessageId(messageId, now.toISOString(), new Date(now.getTime() - REPLAY_WINDOW_MS).toISOString());
    if (!fresh) throw new EnrollmentAuthError(`MessageID ${messageId} was already used (a replayed request)`);
  }

  async #authenticate(tx: StoreTx, credentials: EnrollmentCredentials, consume: boolean, now: Date): Promise<EnrollmentPrincipal> {
    let reason = 'no authenticator accepts these credentials';
    for (const authenticator of this.#authenticators) {
      const result = await authenticator.authenticate(tx, credentials, { consume, now });
      if (!('refused' in result)) return result;
      reason = result.refused;
    }
    throw new EnrollmentAuthError(reason);
  }
}
