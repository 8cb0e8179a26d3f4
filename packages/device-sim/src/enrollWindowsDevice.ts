import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import { XMLParser } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { SimulatorEnrollmentError, SimulatorNetworkError } from './DeviceSimError.js';
import { tlsConnectOptions, type SimulatorTlsOptions } from './DeviceTransport.js';
import { windowsCertificateRequest, windowsRenewalRequest } from './windowsCertificateRequest.js';

/** Options of {@link enrollWindowsDevice}. */
export interface EnrollWindowsDeviceOptions {
  /** The server: `https://host:port` (discovery is at `/EnrollmentServer/Discovery.svc` there) or the discovery URL itself. */
  url: string | URL;
  /** The enrolling user's email (the UsernameToken's Username). */
  email: string;
  /** The enrollment token (the UsernameToken's Password, or the DeviceEnrollmentUserToken). */
  token: string;
  /** `username` (default): "Access work or school" OnPremise; `user-token`: programmatic `RegisterDeviceWithManagement`. */
  credentials?: 'username' | 'user-token';
  /** Trust for the server's TLS certificate. */
  ca?: SimulatorTlsOptions['ca'];
  /** Windows' DeviceID (default 32 random hex digits, like Windows'). */
  deviceId?: string;
  /** The hardware id a re-enrollment is recognised by (default derived from the DeviceID). */
  hwDevId?: string;
  deviceName?: string;
  /** `Full` (default, a user's enrollment) or `Device`. */
  enrollmentType?: 'Full' | 'Device';
  /** Discovery's RequestVersion (default `5.0`, what recent Windows 11 builds send). */
  requestVersion?: string;
  osVersion?: string;
  /** MAC addresses for AdditionalContext (it repeats the item, as Windows does). */
  macs?: readonly string[];
}

/** A device enrolled by {@link enrollWindowsDevice}: what Windows keeps after enrollment. */
export interface EnrolledWindowsDevice {
  deviceId: string;
  /** The client certificate and its key (PEM): the device's identity over mutual TLS. */
  certPem: string;
  keyPem: string;
  /** The root the provisioning document installed (the server's CA). */
  caPem: string;
  /** The DM account's ADDR: where the device checks in. */
  mdmUrl: string;
  /** Where ROBO renewal goes (CertificateStore/My/WSTEP/Renew/ServerURL). */
  enrollmentUrl: string;
  /** Days before expiry the device renews (WSTEP/Renew/RenewPeriod). */
  renewPeriodDays: number;
  /** The decoded wap-provisioningdoc, as the server sent it. */
  provisioningDocument: string;
}

const SOAP_TYPE = 'application/soap+xml; charset=utf-8';
const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  a: 'http://www.w3.org/2005/08/addressing',
  u: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wst: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  ac: 'http://schemas.xmlsoap.org/ws/2006/12/authorization',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  discovery: 'http://schemas.microsoft.com/windows/management/2012/01/enrollment',
  xcep: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy',
  xmlns: 'http://www.w3.org/2000/xmlns/',
};
const ACTION = {
  discover: 'http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover',
  getPolicies: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies',
  rst: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep',
};
const TOKEN_TYPE = 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken';
const USER_TOKEN = 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken';
const BASE64 = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary';

/** The answers are read by local name: they are the server's own, and prefixes vary between servers. */
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false, processEntities: true, htmlEntities: false });

type Tree = Record<string, unknown>;

function at(tree: unknown, ...path: string[]): unknown {
  let node = tree;
  for (const step of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Tree)[step];
    if (Array.isArray(node)) node = node[0];
  }
  return node;
}

function text(node: unknown): string | undefined {
  if (typeof node === 'string') return node.trim();
  if (node && typeof node === 'object' && typeof (node as Tree)['#text'] === 'string') return ((node as Tree)['#text'] as string).trim();
  return undefined;
}

function envelope(action: string, to: string, header?: (h: XMLBuilder) => void): { doc: XMLBuilder; body: XMLBuilder } {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const env = doc.ele(NS.s, 's:Envelope').att(NS.xmlns, 'xmlns:a', NS.a).att(NS.xmlns, 'xmlns:u', NS.u).att(NS.xmlns, 'xmlns:wsse', NS.wsse).att(NS.xmlns, 'xmlns:wst', NS.wst).att(NS.xmlns, 'xmlns:ac', NS.ac);
  const h = env.ele(NS.s, 's:Header');
  h.ele(NS.a, 'a:Action').att(NS.s, 's:mustUnderstand', '1').txt(action);
  h.ele(NS.a, 'a:MessageID').txt(`urn:uuid:${randomUUID()}`);
  h.ele(NS.a, 'a:ReplyTo').ele(NS.a, 'a:Address').txt('http://www.w3.org/2005/08/addressing/anonymous');
  h.ele(NS.a, 'a:To').att(NS.s, 's:mustUnderstand', '1').txt(to);
  header?.(h);
  return { doc, body: env.ele(NS.s, 's:Body') };
}

function security(h: XMLBuilder, options: EnrollWindowsDeviceOptions): void {
  const sec = h.ele(NS.wsse, 'wsse:Security').att(NS.s, 's:mustUnderstand', '1');
  if (options.credentials === 'user-token') {
    // RegisterDeviceWithManagement sends the access token base64-encoded.
    sec.ele(NS.wsse, 'wsse:BinarySecurityToken').att('ValueType', USER_TOKEN).att('EncodingType', BASE64).txt(Buffer.from(options.token, 'utf8').toString('base64'));
    return;
  }
  const ut = sec.ele(NS.wsse, 'wsse:UsernameToken').att(NS.u, 'u:Id', 'uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4');
  ut.ele(NS.wsse, 'wsse:Username').txt(options.email);
  ut.ele(NS.wsse, 'wsse:Password').att(NS.wsse, 'wsse:Type', 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText').txt(options.token);
}

async function post(dispatcher: Dispatcher, url: string, body: string, what: string): Promise<Tree> {
  const target = new URL(url);
  let status: number;
  let answer: string;
  try {
    const response = await dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: { 'content-type': SOAP_TYPE, 'user-agent': 'ENROLLClient' },
      body,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    status = response.statusCode;
    answer = await response.body.text();
  } catch (cause) {
    throw new SimulatorNetworkError(`POST ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  let tree: Tree;
  try {
    tree = parser.parse(answer) as Tree;
  } catch (cause) {
    throw new SimulatorEnrollmentError(`${what}: the answer (HTTP ${status}) is not XML`, { status }, { cause });
  }
  const fault = at(tree, 'Envelope', 'Body', 'Fault');
  if (fault !== undefined || status !== 200) {
    const subcode = text(at(fault, 'Code', 'Subcode', 'Value'));
    const reason = text(at(fault, 'Reason', 'Text')) ?? answer.slice(0, 200);
    throw new SimulatorEnrollmentError(`${what} failed (HTTP ${status}${subcode ? `, ${subcode}` : ''}): ${reason}`, { status, ...(subcode ? { subcode } : {}) });
  }
  return tree;
}

/** A WSTEP RequestSecurityToken in `body`: Issue with a PKCS#10, or Renew with a PKCS#7. */
function requestSecurityToken(body: XMLBuilder, kind: 'Issue' | 'Renew', request: Buffer): XMLBuilder {
  const rst = body.ele(NS.wst, 'wst:RequestSecurityToken');
  rst.ele(NS.wst, 'wst:TokenType').txt(TOKEN_TYPE);
  rst.ele(NS.wst, 'wst:RequestType').txt(`http://docs.oasis-open.org/ws-sx/ws-trust/200512/${kind}`);
  rst
    .ele(NS.wsse, 'wsse:BinarySecurityToken')
    .att('ValueType', `http://schemas.microsoft.com/windows/pki/2009/01/enrollment#${kind === 'Issue' ? 'PKCS10' : 'PKCS7'}`)
    .att('EncodingType', BASE64)
    .txt(request.toString('base64'));
  return rst;
}

function context(ac: XMLBuilder, items: readonly (readonly [string, string])[]): void {
  for (const [name, value] of items) ac.ele(NS.ac, 'ac:ContextItem').att('Name', name).ele(NS.ac, 'ac:Value').txt(value);
}

/** The characteristic of a wap-provisioningdoc at a path of `type`s. */
function characteristic(node: unknown, ...types: string[]): Tree | undefined {
  let current = node as Tree | undefined;
  for (const type of types) {
    const list = current?.['characteristic'];
    const all = (Array.isArray(list) ? list : list === undefined ? [] : [list]) as Tree[];
    current = type === '*' ? all[0] : all.find((c) => c['@type'] === type);
  }
  return current;
}

function parms(node: Tree | undefined): Map<string, string> {
  const list = node?.['parm'];
  const all = (Array.isArray(list) ? list : list === undefined ? [] : [list]) as Tree[];
  return new Map(all.map((p) => [String(p['@name']), String(p['@value'] ?? '')]));
}

function pem(base64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END CERTIFICATE-----\n`;
}

/** The certificates and settings of a provisioning document (an enrollment's or a renewal's). */
function readProvisioning(tree: Tree, what: string): { doc: string; root: Tree; clientPem: string; caPem: string | undefined } {
  const token = text(at(tree, 'Envelope', 'Body', 'RequestSecurityTokenResponseCollection', 'RequestSecurityTokenResponse', 'RequestedSecurityToken', 'BinarySecurityToken'));
  if (!token) throw new SimulatorEnrollmentError(`${what}: the answer carries no provisioning document`, { status: 0 });
  const doc = Buffer.from(token, 'base64').toString('utf8');
  const root = at(parser.parse(doc), 'wap-provisioningdoc') as Tree | undefined;
  const store = characteristic(root, 'CertificateStore');
  const my = characteristic(store, 'My');
  const client = characteristic(characteristic(my, 'User') ?? characteristic(my, 'System'), '*');
  const clientCert = parms(client).get('EncodedCertificate');
  if (!root || !clientCert) throw new SimulatorEnrollmentError(`${what}: the provisioning document has no client certificate`, { status: 0 });
  const ca = parms(characteristic(store, 'Root', 'System', '*')).get('EncodedCertificate');
  return { doc, root, clientPem: pem(clientCert), caPem: ca ? pem(ca) : undefined };
}

function keyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Enrolls a simulated Windows device the way Windows does ("Access work or school → Enroll only
 * in device management", or `RegisterDeviceWithManagement` with `credentials: 'user-token'`):
 * the discovery probe and Discover, XCEP GetPolicies, then a WSTEP RequestSecurityToken with a
 * Windows-shaped PKCS#10 for a new RSA 2048 key and the AdditionalContext of the real device's
 * transcript. Returns the certificate, its key and what the provisioning document configured.
 *
 * @throws {SimulatorEnrollmentError} (`ERR_SIM_ENROLLMENT`) on a SOAP fault, with its Subcode.
 * @throws {SimulatorNetworkError} (`ERR_SIM_NETWORK`) when a request got no answer.
 *
 * @example
 * ```ts
 * const device = await enrollWindowsDevice({ url: 'https://localhost:8443', email: 'ann@contoso.com', token, ca });
 * const sim = new DeviceSimulator({ url: device.mdmUrl, winId: device.deviceId, tls: { cert: device.certPem, key: device.keyPem, ca } });
 * ```
 */
export async function enrollWindowsDevice(options: EnrollWindowsDeviceOptions): Promise<EnrolledWindowsDevice> {
  const given = new URL(options.url);
  const discoveryUrl = given.pathname.endsWith('.svc') ? given.href : `${given.origin}/EnrollmentServer/Discovery.svc`;
  const deviceId = options.deviceId ?? randomBytes(16).toString('hex').toUpperCase();
  const dispatcher = new Agent({ connect: tlsConnectOptions(options.ca === undefined ? {} : { ca: options.ca }) });
  try {
    // Windows probes discovery with a GET before it POSTs.
    try {
      const probe = await dispatcher.request({ origin: new URL(discoveryUrl).origin, path: new URL(discoveryUrl).pathname, method: 'GET', headers: { 'user-agent': 'ENROLLClient' } });
      await probe.body.text();
      if (probe.statusCode !== 200) throw new SimulatorEnrollmentError(`the discovery probe answered HTTP ${probe.statusCode}`, { status: probe.statusCode });
    } catch (cause) {
      if (cause instanceof SimulatorEnrollmentError) throw cause;
      throw new SimulatorNetworkError(`GET ${discoveryUrl} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const osVersion = options.osVersion ?? '10.0.22631.4890';
    const discover = envelope(ACTION.discover, discoveryUrl);
    const request = discover.body.ele(NS.discovery, 'Discover').ele(NS.discovery, 'request').att(NS.xmlns, 'xmlns:i', NS.xsi);
    request.ele(NS.discovery, 'EmailAddress').txt(options.email);
    request.ele(NS.discovery, 'RequestVersion').txt(options.requestVersion ?? '5.0');
    request.ele(NS.discovery, 'DeviceType').txt('CIMClient_Windows');
    request.ele(NS.discovery, 'ApplicationVersion').txt(osVersion);
    request.ele(NS.discovery, 'OSEdition').txt('72');
    const policies = request.ele(NS.discovery, 'AuthPolicies');
    policies.ele(NS.discovery, 'AuthPolicy').txt('OnPremise');
    policies.ele(NS.discovery, 'AuthPolicy').txt('Federated');
    const discovered = at(await post(dispatcher, discoveryUrl, discover.doc.end(), 'Discover'), 'Envelope', 'Body', 'DiscoverResponse', 'DiscoverResult');
    const policyUrl = text(at(discovered, 'EnrollmentPolicyServiceUrl'));
    const enrollmentUrl = text(at(discovered, 'EnrollmentServiceUrl'));
    if (!policyUrl || !enrollmentUrl) throw new SimulatorEnrollmentError('Discover: the answer names no policy or enrollment service', { status: 0 });

    const getPolicies = envelope(ACTION.getPolicies, policyUrl, (h) => security(h, options));
    const gp = getPolicies.body.att(NS.xmlns, 'xmlns:xsi', NS.xsi).ele(NS.xcep, 'GetPolicies').ele(NS.xcep, 'client');
    gp.ele(NS.xcep, 'lastUpdate').att(NS.xsi, 'xsi:nil', 'true');
    gp.ele(NS.xcep, 'preferredLanguage').att(NS.xsi, 'xsi:nil', 'true');
    gp.up().ele(NS.xcep, 'requestFilter').att(NS.xsi, 'xsi:nil', 'true');
    await post(dispatcher, policyUrl, getPolicies.doc.end(), 'GetPolicies');

    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const csr = windowsCertificateRequest({ ...keys, deviceId });
    const rst = envelope(ACTION.rst, enrollmentUrl, (h) => security(h, options));
    const body = requestSecurityToken(rst.body, 'Issue', csr);
    const macs = options.macs ?? ['00-0C-29-51-60-9D', '1A-77-20-52-41-53'];
    context(body.ele(NS.ac, 'ac:AdditionalContext'), [
      ['UXInitiated', options.credentials === 'user-token' ? 'false' : 'true'],
      ['HWDevID', options.hwDevId ?? `${deviceId}${deviceId}`],
      ['Locale', 'en-US'],
      ['TargetedUserLoggedIn', 'true'],
      ['OSEdition', '72'],
      ['DeviceName', options.deviceName ?? `DESKTOP-${deviceId.slice(0, 7)}`],
      ...macs.map((mac) => ['MAC', mac] as const),
      ['DeviceID', deviceId],
      ['EnrollmentType', options.enrollmentType ?? 'Full'],
      ['DeviceType', 'CIMClient_Windows'],
      ['OSVersion', osVersion],
      ['ApplicationVersion', osVersion],
      ['NotInOobe', 'false'],
    ]);
    const provisioned = readProvisioning(await post(dispatcher, enrollmentUrl, rst.doc.end(), 'RequestSecurityToken'), 'RequestSecurityToken');
    const app = parms(characteristic(provisioned.root, 'APPLICATION'));
    const renew = parms(characteristic(provisioned.root, 'CertificateStore', 'My', 'WSTEP', 'Renew'));
    const mdmUrl = app.get('ADDR');
    if (!mdmUrl || !provisioned.caPem) throw new SimulatorEnrollmentError('RequestSecurityToken: the provisioning document has no ADDR or no root certificate', { status: 0 });
    return {
      deviceId,
      certPem: provisioned.clientPem,
      keyPem: keyPem(keys.privateKey),
      caPem: provisioned.caPem,
      mdmUrl,
      enrollmentUrl: renew.get('ServerURL') ?? enrollmentUrl,
      renewPeriodDays: Number(renew.get('RenewPeriod') ?? '42'),
      provisioningDocument: provisioned.doc,
    };
  } finally {
    await dispatcher.close();
  }
}

/** Options of {@link renewWindowsCertificate}. */
export interface RenewWindowsCertificateOptions {
  /** The enrollment service (WSTEP/Renew/ServerURL). */
  enrollmentUrl: string | URL;
  /** The device's current certificate and key: the renewal's only authentication (mutual TLS). */
  certPem: string;
  keyPem: string;
  deviceId: string;
  ca?: SimulatorTlsOptions['ca'];
}

/**
 * Whether a certificate is due for renewal: within `renewPeriodDays` of its expiry at `now`, as
 * Windows' enrollment client decides.
 */
export function renewalDue(certPem: string, renewPeriodDays: number, now: Date = new Date()): boolean {
  return new Date(new X509Certificate(certPem).validTo).getTime() - renewPeriodDays * 86_400_000 <= now.getTime();
}

/**
 * A ROBO certificate renewal as Windows performs it: a new RSA 2048 key, its PKCS#10 inside a
 * PKCS#7 signed with the current key, sent as a WSTEP RequestSecurityToken of type Renew over
 * mutual TLS with the current certificate and no WS-Security credentials. Returns the new
 * certificate and key.
 *
 * @throws {SimulatorEnrollmentError} (`ERR_SIM_ENROLLMENT`) on a SOAP fault.
 */
export async function renewWindowsCertificate(options: RenewWindowsCertificateOptions): Promise<{ certPem: string; keyPem: string }> {
  const url = new URL(options.enrollmentUrl).href;
  const dispatcher = new Agent({
    connect: tlsConnectOptions({ cert: options.certPem, key: options.keyPem, ...(options.ca === undefined ? {} : { ca: options.ca }) }),
  });
  try {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const csr = windowsCertificateRequest({ ...keys, deviceId: options.deviceId });
    const current = new X509Certificate(options.certPem);
    const pkcs7 = windowsRenewalRequest(csr, { certDer: current.raw, privateKey: createPrivateKey(options.keyPem) });
    const rst = envelope(ACTION.rst, url);
    requestSecurityToken(rst.body, 'Renew', pkcs7);
    const provisioned = readProvisioning(await post(dispatcher, url, rst.doc.end(), 'Renew'), 'Renew');
    return { certPem: provisioned.clientPem, keyPem: keyPem(keys.privateKey) };
  } finally {
    await dispatcher.close();
  }
}
